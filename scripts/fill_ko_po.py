"""Fill locale/ko/LC_MESSAGES/django.po from the table below, then compile the .mo.

    .venv/bin/python manage.py makemessages -l ko --no-location --ignore=.venv --ignore=tests \
        --ignore=bench --ignore=content --ignore=var --ignore=staticfiles --ignore=test-artifacts
    .venv/bin/python scripts/fill_ko_po.py      # fills, then runs compilemessages

A message missing from the table is listed and stays English. The compiled .mo
is committed (see README, "Languages"), so `make run` needs no GNU gettext.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"

KO = {
    "Sign in": "로그인",
    "Live checks on this site are for signed-in users.": "이 사이트의 라이브 점검은 로그인한 사용자만 쓸 수 있다.",
    "Broker URL": "브로커 URL",
    "Broker password (instead of putting it in the URL)": "브로커 비밀번호 (URL에 넣는 대신)",
    "RabbitMQ management API URL": "RabbitMQ 관리 API URL",
    "Queues (comma or space separated)": "큐 (쉼표나 공백으로 구분)",
    "Celery config or manifest (optional)": "Celery 설정 또는 매니페스트 (선택)",
    "consumer_timeout (ms), if changed": "consumer_timeout (ms), 바꾼 경우",
    "Do not verify TLS certificates": "TLS 인증서를 검증하지 않음",
    "Queue": "큐",
    "Virtual host": "가상 호스트(vhost)",
    "Error type": "오류 종류",
    "AMQP reply code": "AMQP 응답 코드",
    "Broker's message": "브로커 메시지",
    "Exchange": "익스체인지",
    "Routing key": "라우팅 키",
    "Queue argument": "큐 인자",
    "Task": "태스크",
    "Python module": "파이썬 모듈",
    "Package": "패키지",
    "Setting": "설정",
    "User": "사용자",
    "Host": "호스트",
    "Port": "포트",
    "Time limit (seconds)": "시간 제한 (초)",
    "Timeout (ms)": "타임아웃 (ms)",
    "Signal": "시그널",
    "Exit code": "종료 코드",
    "Process id": "프로세스 ID",
    "Delivery tag": "전달 태그",
    "Database": "데이터베이스",
    "Resource": "자원",
    "The marked text is the error “%(title)s”, here for %(facts)s.": "표시한 부분이 “%(title)s” 오류다. 붙여 넣은 내용의 값: %(facts)s.",
    "The marked text is the error “%(title)s”.": "표시한 부분이 “%(title)s” 오류다.",
    "Copied": "복사함",
    "Press Ctrl+C to copy": "Ctrl+C로 복사",
    "Copy": "복사",
    "Copy code": "코드 복사",
    "code": "코드",
    "Copy link as": "링크 복사 형식",
    "Copy as": "복사 형식:",
    "Suggestions": "추천 항목",
    "See all results for": "전체 결과 보기:",
    "No suggestions: search for": "추천 없음, 검색하기:",
    "suggestion": "개 추천",
    "suggestions": "개 추천",
    "showing results for": "다음 검색어의 결과:",
    "Showing results for": "다음 검색어의 결과:",
    "Back to top": "맨 위로",
    "Contents": "목차",
    "entries shown": "개 항목 표시",
    "Not found": "찾을 수 없음",
    "This report is gone": "이 보고서는 없다",
    "The saved diagnosis at this address was deleted or has expired: reports are kept %(days)s days.": "이 주소의 저장된 진단은 삭제되었거나 보관 기간이 지났다. 보고서는 %(days)s일 동안 보관한다.",
    "Diagnose the paste again": "다시 진단하기",
    "Page not found": "페이지를 찾을 수 없음",
    "Nothing lives at": "다음 주소에는 아무것도 없다:",
    "Entries that match its words:": "주소의 단어와 맞는 항목:",
    "No entry matches its words.": "주소의 단어와 맞는 항목이 없다.",
    "Search": "검색",
    "All entries": "모든 항목",
    "Home": "처음으로",
    "Main": "주 메뉴",
    "Entries": "항목",
    "Diagnose": "진단",
    "a paste": "하기",
    "Check": "점검",
    "a broker": "하기",
    "Dark mode": "다크 모드",
    "Search errors, settings, 한국어…": "오류, 설정, English…",
    "Entries are checked against real RabbitMQ, Redis and Celery; each says which versions.": "모든 항목은 실제 RabbitMQ, Redis, Celery에서 확인했고, 항목마다 버전을 적었다.",
    "See": "참고:",
    "Evidence": "근거",
    "Check a broker": "브로커 점검",
    "Read-only live checks against a RabbitMQ or Redis broker and its Celery workers: reachability, alarms, queue types and arguments against your config, fanout bindings, workers, latency. Nothing is consumed, purged, deleted or declared; the only object created is an exclusive, auto-delete probe queue that disappears with the run. Passwords stay in memory for the run and are masked everywhere.": "RabbitMQ나 Redis 브로커와 Celery 워커를 읽기 전용으로 점검한다: 접속, 알람, 설정과 비교한 큐 종류와 인자, fanout 바인딩, 워커, 지연 시간. 메시지를 소비·삭제·선언하지 않으며, 점검이 끝나면 사라지는 전용 자동 삭제 프로브 큐 하나만 만든다. 비밀번호는 점검하는 동안 메모리에만 있고 어디에서나 가려진다.",
    "Run checks": "점검 실행",
    "Command line:": "명령줄:",
    "Check run": "점검 실행",
    "Live checks": "실시간 점검",
    "Target": "대상",
    "status": "상태",
    "started": "시작",
    "Run another check": "다른 점검 실행",
    "Matched with high confidence": "높은 확신으로 일치",
    "Possible matches": "가능한 항목",
    "The evidence is not conclusive: check each against your paste.": "근거가 확실하지 않다. 붙여 넣은 내용과 하나씩 비교해 보자.",
    "No known error text was found; the entries were searched for these words:": "알려진 오류 문구가 없어 다음 단어로 항목을 검색했다:",
    "No entry matches this paste": "이 내용과 맞는 항목이 없음",
    "Nothing in the knowledge base matches with confidence.": "지식 베이스에서 확실히 맞는 항목을 찾지 못했다.",
    "Searched the entries for these words:": "다음 단어로 항목을 검색했다:",
    "The closest entries are below.": "가장 가까운 항목은 아래와 같다.",
    "No entry contains them.": "이 단어가 들어간 항목은 없다.",
    "high": "높음",
    "possible": "가능",
    "Fix": "해결",
    "(filled in with the names from your paste)": "(붙여 넣은 내용의 이름으로 채움)",
    "example": "예시",
    "Not in your paste, so shown as example values (dashed): replace them with yours:": (
        "붙여 넣은 내용에 없어 예시 값(점선 상자)으로 보여 준다. 자신의 값으로 바꿔 쓴다:"
    ),
    "Values in a dashed box are example values, not yours: replace them with your own names and settings.": (
        "점선 상자 안의 값은 예시 값이다. 자신의 이름과 설정 값으로 바꿔 쓴다."
    ),
    "in vhost": "vhost",
    "on my broker": "내 브로커에서 점검",
    "read-only": "읽기 전용",
    "Why this entry": "이 항목인 이유",
    "line %(n)s": "%(n)s행",
    "lines %(n)s–%(m)s": "%(n)s–%(m)s행",
    "The pattern that matched": "일치한 패턴",
    "Taken from your paste": "붙여 넣은 내용에서 찾은 값",
    "score %(score)s": "점수 %(score)s",
    "Config findings": "설정 점검 결과",
    "Search results": "검색 결과",
    "Saved:": "저장됨:",
    "Delete token (shown once, keep it to delete the report):": "삭제 토큰 (한 번만 보여 준다. 보고서를 지우려면 보관해 두자):",
    "Diagnose a paste": "붙여 넣어 진단",
    "Paste a traceback, worker or broker log, Celery settings, a Kubernetes manifest or a requirements file (up to %(size)s). Nothing is stored unless you ask; secrets are redacted first.": "트레이스백, 워커나 브로커 로그, Celery 설정, 쿠버네티스 매니페스트, requirements 파일을 붙여 넣는다 (최대 %(size)s). 요청하지 않으면 아무것도 저장하지 않고, 비밀 값은 먼저 가린다.",
    "The report was deleted.": "보고서를 삭제했다.",
    "Paste an error, log or config": "오류, 로그, 설정을 붙여 넣기",
    "Save a shareable report (redacted, kept %(days)s days)": "공유용 보고서 저장 (비밀 값 가림, %(days)s일 보관)",
    "Saved diagnosis": "저장된 진단",
    "Saved %(when)s UTC. Secrets were redacted before storage.": "%(when)s UTC에 저장. 비밀 값은 저장 전에 가렸다.",
    "Diagnose another paste": "다른 내용 진단",
    "The paste (redacted)": "붙여 넣은 내용 (비밀 값 가림)",
    "Delete token": "삭제 토큰",
    "Delete this report": "이 보고서 삭제",
    "Breadcrumb": "위치",
    "Guides": "가이드",
    "Copy link": "링크 복사",
    "Link to this section": "이 절의 링크",
    "Copy link to %(section)s": "%(section)s 링크 복사",
    "Updated": "수정",
    "Checked on": "확인한 버전:",
    "Tags": "태그",
    "Related": "관련 항목",
    "Link:": "링크:",
    "Troubleshooting knowledge base for Celery on RabbitMQ and Redis: paste an error, get the entry and the fix.": "RabbitMQ와 Redis 위의 Celery 문제 해결 지식 베이스: 오류를 붙여 넣으면 항목과 해결 방법을 알려 준다.",
    "Paste a Celery, RabbitMQ or Redis error and get the cause and the fix.": "Celery, RabbitMQ, Redis 오류를 붙여 넣으면 원인과 해결 방법을 알려 준다.",
    "Paste the error. Get the fix.": "오류를 붙여 넣으면 해결 방법이 나온다.",
    "Tracebacks, worker logs, RabbitMQ log lines, Celery configs, Kubernetes manifests: secrets are redacted before anything is stored.": "트레이스백, 워커 로그, RabbitMQ 로그, Celery 설정, 쿠버네티스 매니페스트: 저장하기 전에 비밀 값을 가린다.",
    "Search the knowledge base": "지식 베이스 검색",
    "Browse by component": "구성 요소별 보기",
    "Recently updated": "최근 수정",
    "All %(n)s entries": "전체 %(n)s개 항목",
    "Show all": "모두 보기",
    "No entries match.": "맞는 항목이 없다.",
    "Showing results for <strong>%(corrected)s</strong>": "<strong>%(corrected)s</strong>의 검색 결과",
    "%(counter)s result": "결과 %(counter)s개",
    "Nothing found for <q>%(query)s</q>.": "<q>%(query)s</q>에 대한 결과가 없다.",
    "Pasting the whole error into": "오류 전체를",
    "often works better.": "에 붙여 넣는 편이 더 잘 맞는다.",
    "Skip to content": "본문으로 건너뛰기",
    "Filter entries": "항목 거르기",
    "Filter by component, tag or text": "구성 요소, 태그, 글자로 거르기",
    "Was this helpful?": "도움이 되었나요?",
    "Yes": "예",
    "No": "아니요",
    "Thanks for the feedback.": "의견을 보내 줘서 고맙다.",
    "What was missing? (optional)": "무엇이 부족했나? (선택)",
    "Send": "보내기",
    "Language": "언어",
    "Too many answers, thank you.": "답변이 너무 많다. 고맙다.",
    "Too many requests from your address: at most %(limit)s a minute. Try again in %(wait)s s.": (
        "이 주소에서 요청이 너무 많다. 1분에 %(limit)s번까지다. %(wait)s초 뒤에 다시 해 보자."
    ),
    "Sent to the editors (redacted). Thank you.": "편집자에게 보냈다 (비밀 값 가림). 고맙다.",
    "If nothing matches, send the paste (redacted) to the editors so they can add an entry": "맞는 항목이 없으면 붙여 넣은 내용을 (비밀 값을 가려) 편집자에게 보내 항목을 추가하게 하기",
    "Back": "돌아가기",
    "pass": "통과",
    "warn": "경고",
    "fail": "실패",
    "error": "오류",
    "warning": "경고",
    "All troubleshooting entries for Celery on RabbitMQ and Redis, by component and tag.": "RabbitMQ와 Redis 위의 Celery 문제 해결 항목 전체, 구성 요소와 태그별.",
    "%(counter)s entry: symptom, cause and fix.": "항목 %(counter)s개: 증상, 원인, 해결.",
    "Search Celery, RabbitMQ and Redis errors and their fixes.": "Celery, RabbitMQ, Redis 오류와 해결 방법 검색.",
    # live-check statuses (results and runs) and the pages' own messages
    "skipped": "건너뜀",
    "queued": "대기 중",
    "running": "실행 중",
    "done": "완료",
    "Config:": "설정:",
    "The paste is over the limit of %(limit)s bytes.": "붙여 넣은 내용이 한도 %(limit)s바이트를 넘는다.",
    "Paste some text to diagnose.": "진단할 텍스트를 붙여 넣는다.",
    "No such report (it may have been deleted or expired).": "그런 보고서가 없다(삭제되었거나 보관 기간이 지났을 수 있다).",
    "No such report.": "그런 보고서가 없다.",
    "That delete token does not match this report.": "삭제 토큰이 이 보고서와 맞지 않는다.",
    # manage.py check_broker --lang ko
    "Checking %(target)s (timeout %(timeout)s s)": "%(target)s 점검 중 (제한 시간 %(timeout)s초)",
    "see": "참고",
    "info": "정보",
}


def _unquote(lines: list[str]) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(lines))).replace('\\"', '"')


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def fill(po_text: str) -> tuple[str, list[str]]:
    blocks = po_text.split("\n\n")
    missing = []
    out = []
    for block in blocks:
        lines = block.split("\n")
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        strs = [i for i, line in enumerate(lines) if line.startswith("msgstr")]
        if not ids or not strs:
            out.append(block)
            continue
        plural = [i for i, line in enumerate(lines) if line.startswith("msgid_plural")]
        end_id = plural[0] if plural else strs[0]
        msgid = _unquote([lines[ids[0]][6:], *lines[ids[0] + 1 : end_id]])
        if not msgid:
            out.append(block)
            continue
        # the header's flags and any fuzzy mark go: every message here is reviewed
        head = [line for line in lines[: strs[0]] if line != "#, fuzzy"]
        head = [re.sub(r"^#, fuzzy, ", "#, ", line) for line in head]
        korean = KO.get(" ".join(msgid.split())) or KO.get(msgid)
        if korean is None:
            missing.append(msgid)
            out.append(block)
            continue
        if plural:
            out.append("\n".join([*head, f"msgstr[0] {_quote(korean)}"]))
        else:
            out.append("\n".join([*head, f"msgstr {_quote(korean)}"]))
    return "\n\n".join(out), missing


def main() -> int:
    text, missing = fill(PO.read_text(encoding="utf-8"))
    text = text.replace(
        '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"',
        '"Plural-Forms: nplurals=1; plural=0;\\n"',
    )
    text = text.replace('"Language: \\n"', '"Language: ko\\n"')
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', 1)
    PO.write_text(text, encoding="utf-8")
    for msgid in missing:
        print(f"not translated: {msgid!r}")
    subprocess.run(
        [sys.executable, "manage.py", "compilemessages", "-l", "ko"], cwd=ROOT, check=True
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
