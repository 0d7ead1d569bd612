"""Findings, matches and check results → words, in the reader's language.

The one place where keys and evidence become text (insights-core's formatters):
the HTML pages, the JSON API and the command line all call these functions on
the stored, language-free data, at read time. A rule's words live with its
entry (`messages` in the front matter, English and Korean); the fix is the
entry's Fix section filled with the match's facts.

    >>> fill_message("Queue '{{queue}}' has {{n}} consumers", {"queue": "q", "n": 2.0}, "en")
    "Queue 'q' has 2 consumers"
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from diagnostics.rules.queue_declarations import LINKED_FROM_DIAGNOSIS

LANGS = ("en", "ko")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
MAX_LISTED = 5
NONE_WORD = {"en": "none", "ko": "없음"}
YES_NO = {"en": ("yes", "no"), "ko": ("예", "아니오")}

# Words for live-check outcomes that are not findings of a rule: a PASS or SKIP of a
# shared judgement, and what the check units observe (`CheckResult.outcome`, filled
# with the result's evidence). Findings take their words from their entry instead.
OUTCOMES: dict[str, dict[str, str]] = {
    "consumer-timeout.pass": {
        "en": "no countdown/ETA or acks_late task can outlive consumer_timeout {{timeout_ms}} ms",
        "ko": "consumer_timeout {{timeout_ms}} ms를 넘길 countdown/ETA나 acks_late 태스크가 없다",
    },
    "visibility-timeout.pass": {
        "en": "no countdown/ETA or acks_late task reaches visibility_timeout {{timeout_s}} s",
        "ko": "visibility_timeout {{timeout_s}}초에 닿는 countdown/ETA나 acks_late 태스크가 없다",
    },
    "skip.no-config": {
        "en": "no Celery config given: nothing to compare with",
        "ko": "Celery 설정이 주어지지 않아 비교할 것이 없다",
    },
    "skip.no-countdown-no-acks-late": {
        "en": "the config sends no countdown/ETA and does not set acks_late: nothing to compare "
        "with the timeout",
        "ko": "설정에 countdown/ETA도 acks_late도 없어 타임아웃과 비교할 것이 없다",
    },
    "skip.redis-broker": {
        "en": "not asked of a Redis broker",
        "ko": "Redis 브로커에는 해당하지 않는다",
    },
    "skip.not-redis": {
        "en": "only a Redis broker has a visibility_timeout",
        "ko": "visibility_timeout은 Redis 브로커에만 있다",
    },
    "skip.no-redis-node": {"en": "no Redis node answered", "ko": "응답한 Redis 노드가 없다"},
    "skip.no-eviction-policy": {
        "en": "Redis did not report a maxmemory-policy",
        "ko": "Redis가 maxmemory-policy를 알려 주지 않았다",
    },
    "skip.no-queue-named": {"en": "no queue named", "ko": "큐 이름이 주어지지 않았다"},
    "queues.skip.nothing-named": {
        "en": "no queue named and no config given: nothing to compare",
        "ko": "큐 이름도 설정도 주어지지 않아 비교할 것이 없다",
    },
    "queue.skip.no-connection": {"en": "no broker connection", "ko": "브로커 연결이 없다"},
    "queue.declared-at-start": {
        "en": "does not exist yet; the worker declares it ({{app_source}}) at start",
        "ko": "아직 없다. 워커가 시작할 때 선언한다({{app_source}})",
    },
    "queue.missing.no-declare": {
        "en": "no queue '{{queue}}' in vhost '{{vhost}}' and the app consumes it without "
        "declaring it (no_declare): consumers get 404 NOT_FOUND - no queue '{{queue}}' in "
        "vhost '{{vhost}}'",
        "ko": "vhost '{{vhost}}'에 큐 '{{queue}}'가 없는데 앱은 선언하지 않고(no_declare) 소비한다. "
        "소비자는 404 NOT_FOUND - no queue '{{queue}}' in vhost '{{vhost}}'를 받는다",
    },
    "queue.missing.no-config": {
        "en": "no queue '{{queue}}' in vhost '{{vhost}}': nothing has declared it yet. A Celery "
        "worker declares the queues it consumes when it starts, so none consumes it now; a "
        "consumer with no_declare gets 404 NOT_FOUND - no queue '{{queue}}' in vhost "
        "'{{vhost}}' (give the config to tell which)",
        "ko": "vhost '{{vhost}}'에 큐 '{{queue}}'가 없다. 아직 아무도 선언하지 않았다. Celery 워커는 "
        "시작할 때 소비할 큐를 선언하므로 지금 이 큐를 소비하는 워커는 없다. no_declare로 소비하면 "
        "404 NOT_FOUND - no queue '{{queue}}' in vhost '{{vhost}}'를 받는다(설정을 주면 어느 쪽인지 "
        "판단한다)",
    },
    "queue.missing.undeclared": {
        "en": "no queue '{{queue}}' in vhost '{{vhost}}' and nothing in the given config "
        "declares it: consumers get 404 NOT_FOUND - no queue '{{queue}}' in vhost '{{vhost}}'",
        "ko": "vhost '{{vhost}}'에 큐 '{{queue}}'가 없고 주어진 설정 어디에서도 선언하지 않는다. "
        "소비자는 404 NOT_FOUND - no queue '{{queue}}' in vhost '{{vhost}}'를 받는다",
    },
    "queue.exists.amqp": {
        "en": "exists: {{messages_ready}} ready, {{consumers}} consumers (AMQP only: type and "
        "arguments need the management API)",
        "ko": "있다: 대기 {{messages_ready}}개, 소비자 {{consumers}}개 (AMQP만으로는 타입과 인자를 "
        "알 수 없어 관리 API가 필요하다)",
    },
    "queue.exists": {
        "en": "exists: {{type}}, {{messages_ready}} ready, {{messages_unacknowledged}} "
        "unacknowledged, {{consumers}} consumers",
        "ko": "있다: {{type}}, 대기 {{messages_ready}}개, 미확인 {{messages_unacknowledged}}개, "
        "소비자 {{consumers}}개",
    },
    "queue.exists.counters-pending": {
        "en": "exists: {{type}}; its counters appear about 5 s after it is created",
        "ko": "있다: {{type}}. 카운터는 큐를 만든 지 약 5초 뒤에 나타난다",
    },
    "queue-arguments.pass": {
        "en": "type, arguments and flags match: declaring it will not fail",
        "ko": "타입, 인자, 플래그가 같다. 선언해도 실패하지 않는다",
    },
    "queue-backlog.no-consumer": {
        "en": "{{messages_ready}} messages ready and no consumer: nothing is working this queue",
        "ko": "메시지 {{messages_ready}}개가 대기 중인데 소비자가 없다. 이 큐를 처리하는 워커가 없다",
    },
    "dead-letter-exchange.pass": {
        "en": "exchange '{{dead_letter_exchange}}' exists",
        "ko": "익스체인지 '{{dead_letter_exchange}}'가 있다",
    },
    "dead-letter-exchange.missing": {
        "en": "x-dead-letter-exchange names '{{dead_letter_exchange}}', which does not exist in "
        "vhost '{{vhost}}': rejected or expired messages are dropped silently",
        "ko": "x-dead-letter-exchange가 가리키는 '{{dead_letter_exchange}}'가 vhost '{{vhost}}'에 "
        "없다. 거부되거나 만료된 메시지가 조용히 버려진다",
    },
    "fanout-shared-queue.skip.no-management": {
        "en": "needs the management API (bindings are not visible over AMQP)",
        "ko": "관리 API가 필요하다(바인딩은 AMQP로 보이지 않는다)",
    },
    "fanout-shared-queue.pass": {
        "en": "{{count}} fanout exchanges; none feeds a queue shared by several consumers",
        "ko": "팬아웃 익스체인지 {{count}}개 가운데 여러 소비자가 나눠 쓰는 큐로 보내는 것은 없다",
    },
    "redis-memory.volatile": {
        "en": "Redis {{version}}, maxmemory-policy {{maxmemory_policy}}: only keys with a TTL "
        "(such as results) can be evicted; queue lists are safe",
        "ko": "Redis {{version}}, maxmemory-policy {{maxmemory_policy}}: TTL이 있는 키(결과 등)만 "
        "내보낼 수 있어 큐 리스트는 안전하다",
    },
    "redis-memory.pass": {
        "en": "Redis {{version}}, maxmemory-policy {{maxmemory_policy}}",
        "ko": "Redis {{version}}, maxmemory-policy {{maxmemory_policy}}",
    },
    "redis-queue.length": {
        "en": "{{length}} messages (summed over priority sub-lists)",
        "ko": "메시지 {{length}}개(우선순위 하위 리스트 합계)",
    },
    "redis-queue.empty": {
        "en": "0 messages: on Redis an empty queue and a queue that does not exist look the "
        "same (the list is deleted when it empties)",
        "ko": "메시지 0개. Redis에서는 빈 큐와 없는 큐가 똑같이 보인다(리스트는 비면 지워진다)",
    },
    "workers.skip.redis": {
        "en": "not asked over Redis: remote control there writes kombu's binding and reply keys "
        "into the database, and a check run changes nothing",
        "ko": "Redis에서는 묻지 않는다. 그곳의 원격 제어는 kombu의 바인딩·응답 키를 데이터베이스에 "
        "쓰는데, 점검은 아무것도 바꾸지 않는다",
    },
    "workers.skip.no-connection": {"en": "no broker connection", "ko": "브로커 연결이 없다"},
    "workers.skip.no-pidbox-exchange": {
        "en": "exchange(s) {{missing_exchanges}} do not exist in vhost '{{vhost}}': remote "
        "control would create them, and a check run changes nothing",
        "ko": "vhost '{{vhost}}'에 익스체인지 {{missing_exchanges}}가 없다. 원격 제어를 하면 "
        "만들어지는데, 점검은 아무것도 바꾸지 않는다",
    },
    "workers.none-answered": {
        "en": "no worker answered ping within {{timeout_s}} s in vhost '{{vhost}}'",
        "ko": "vhost '{{vhost}}'에서 {{timeout_s}}초 안에 ping에 응답한 워커가 없다",
    },
    "workers.answered": {
        "en": "{{count}} worker(s) answered (pool, concurrency, prefetch): {{described}}",
        "ko": "워커 {{count}}개가 응답했다(풀, 동시성, 프리페치): {{described}}",
    },
    "worker-queues.unconsumed": {
        "en": "none of the {{count}} worker(s) that answered consumes '{{queue}}': tasks sent "
        "there wait until a worker runs with -Q {{queue}}",
        "ko": "응답한 워커 {{count}}개 중 '{{queue}}'를 소비하는 워커가 없다. 그곳으로 보낸 "
        "태스크는 -Q {{queue}}로 워커가 뜰 때까지 기다린다",
    },
    "latency.skip.redis": {
        "en": "not measured over Redis: a round trip needs a list of our own, i.e. a write",
        "ko": "Redis에서는 재지 않는다. 왕복에는 우리 리스트가 필요한데, 그것은 쓰기다",
    },
    "management.skip.no-url": {
        "en": "no management API URL given: queue types, arguments, alarms and exchange "
        "bindings cannot be read over AMQP (pass --management-url)",
        "ko": "관리 API URL이 주어지지 않았다. 큐 타입, 인자, 알람, 익스체인지 바인딩은 AMQP로 "
        "읽을 수 없다(--management-url을 준다)",
    },
    "management.vhost-missing": {
        "en": "vhost '{{vhost}}' does not exist on this broker; connections to it fail with "
        "NOT_ALLOWED",
        "ko": "이 브로커에 vhost '{{vhost}}'가 없다. 그곳으로의 연결은 NOT_ALLOWED로 실패한다",
    },
    "management.pass": {
        "en": "RabbitMQ {{rabbitmq_version}} (Erlang {{erlang_version}}), vhost '{{vhost}}' exists",
        "ko": "RabbitMQ {{rabbitmq_version}} (Erlang {{erlang_version}}), vhost '{{vhost}}'가 있다",
    },
    "resource-alarms.skip.no-management": {
        "en": "needs the management API; the round-trip check still notices a publisher "
        "blocked by an alarm (connection.blocked)",
        "ko": "관리 API가 필요하다. 왕복 점검은 알람으로 막힌 발행자(connection.blocked)를 여전히 "
        "알아챈다",
    },
    "resource-alarms.pass": {
        "en": "no memory or disk alarm in effect (GET /api/health/checks/alarms)",
        "ko": "메모리나 디스크 알람이 없다(GET /api/health/checks/alarms)",
    },
    "resource-alarms.in-effect": {
        "en": "alarm in effect: {{described}}; RabbitMQ stops reading from every publishing "
        "connection until it clears, so sent tasks wait unread, bursts can lose them and "
        "some clients hang",
        "ko": "알람 발생: {{described}}. RabbitMQ가 알람이 풀릴 때까지 모든 발행 연결에서 읽기를 "
        "멈추므로, 보낸 태스크는 읽히지 않은 채 기다리고 대량 발행에서는 사라질 수 있으며 일부 "
        "클라이언트는 멈춘다",
    },
    "latency.skip.no-node": {
        "en": "no node answered the handshake",
        "ko": "핸드셰이크에 응답한 노드가 없다",
    },
    "latency.pass": {
        "en": "one message published and consumed in {{latency_ms}} ms",
        "ko": "메시지 하나를 {{latency_ms}} ms 만에 발행하고 소비했다",
    },
    "latency.blocked": {
        "en": "the broker blocked our publisher (connection.blocked: {{blocked}}): a resource "
        "alarm is in effect",
        "ko": "브로커가 발행자를 막았다(connection.blocked: {{blocked}}). 리소스 알람이 발생한 "
        "상태다",
    },
    "rabbitmq4.skip.no-management": {
        "en": "needs the management API (queue flags and arguments, policies)",
        "ko": "관리 API가 필요하다(큐 플래그와 인자, 정책)",
    },
    "skip.no-broker-version": {
        "en": "the broker's version is unknown (neither the management API nor the AMQP "
        "handshake told it)",
        "ko": "브로커 버전을 알 수 없다(관리 API도 AMQP 핸드셰이크도 알려 주지 않았다)",
    },
    "skip.no-kombu-version": {
        "en": "RabbitMQ {{rabbitmq_version}}: which QoS the worker asks for depends on kombu's "
        "version, and none was given (add kombu==... or the output of celery report to the "
        "config)",
        "ko": "RabbitMQ {{rabbitmq_version}}: 워커가 요청하는 QoS는 kombu 버전에 달렸는데 버전이 "
        "주어지지 않았다(설정에 kombu==... 이나 celery report 출력을 넣는다)",
    },
    "skip.no-consumer-timeout-given": {
        "en": "no consumer_timeout given and no classic queue carries x-consumer-timeout: "
        "nothing relies on the timeout",
        "ko": "consumer_timeout이 주어지지 않았고 x-consumer-timeout을 가진 클래식 큐도 없다. "
        "타임아웃에 기대는 것이 없다",
    },
    "skip.classic-queues-4-3": {
        "en": "RabbitMQ {{rabbitmq_version}} never times out deliveries on classic queues: "
        "there is no 406 to predict",
        "ko": "RabbitMQ {{rabbitmq_version}}은 클래식 큐의 전달에 타임아웃을 두지 않는다. 예측할 "
        "406이 없다",
    },
    "transient-queues.before-4-3": {
        "en": "RabbitMQ {{rabbitmq_version}} still accepts transient non-exclusive queues "
        "(refused by default from 4.3.0); {{count}} in this vhost or declared by the given "
        "config: {{queues}}",
        "ko": "RabbitMQ {{rabbitmq_version}}은 비내구성·비배타적 큐를 아직 받는다(4.3.0부터 기본 "
        "거부). 이 vhost에 있거나 주어진 설정이 선언하는 큐 {{count}}개: {{queues}}",
    },
    "transient-queues.pass": {
        "en": "RabbitMQ {{rabbitmq_version}}: no queue in this vhost or the given config is "
        "declared durable=False and exclusive=False",
        "ko": "RabbitMQ {{rabbitmq_version}}: durable=False, exclusive=False로 선언된 큐가 없다",
    },
    "global-qos.before-4-0": {
        "en": "RabbitMQ {{rabbitmq_version}} honours global QoS; the 4.x changes do not apply",
        "ko": "RabbitMQ {{rabbitmq_version}}은 전역 QoS를 따른다. 4.x의 변경은 해당하지 않는다",
    },
    "global-qos.pass": {
        "en": "kombu {{kombu_version}} on RabbitMQ {{rabbitmq_version}}: per-consumer QoS (kombu "
        "5.7 or quorum queues) and no ETA/countdown in the config that a fixed prefetch would "
        "have to hold",
        "ko": "RabbitMQ {{rabbitmq_version}}의 kombu {{kombu_version}}: 컨슈머 단위 QoS(kombu 5.7 "
        "또는 쿼럼 큐)이고, 고정된 프리페치가 떠안을 ETA/countdown이 설정에 없다",
    },
    "queue-storage-args.before-4-3": {
        "en": "RabbitMQ {{rabbitmq_version}} accepts x-queue-version 1 and x-queue-mode "
        "(removed in 4.3.0); queues carrying them: {{queues}}",
        "ko": "RabbitMQ {{rabbitmq_version}}은 x-queue-version 1과 x-queue-mode를 받는다(4.3.0에서 "
        "제거). 이 인자를 가진 큐: {{queues}}",
    },
    "queue-storage-args.pass": {
        "en": "RabbitMQ {{rabbitmq_version}}: no queue here carries x-queue-version 1 or "
        "x-queue-mode",
        "ko": "RabbitMQ {{rabbitmq_version}}: x-queue-version 1이나 x-queue-mode를 가진 큐가 없다",
    },
    "mirroring-policies.before-4-0": {
        "en": "RabbitMQ {{rabbitmq_version}} still mirrors classic queues (removed in 4.0); "
        "policies with ha-* keys: {{policies}}",
        "ko": "RabbitMQ {{rabbitmq_version}}은 아직 클래식 큐를 미러링한다(4.0에서 제거). ha-* 키를 "
        "가진 정책: {{policies}}",
    },
    "mirroring-policies.pass": {
        "en": "RabbitMQ {{rabbitmq_version}}: no policy here sets ha-* keys",
        "ko": "RabbitMQ {{rabbitmq_version}}: ha-* 키를 설정한 정책이 없다",
    },
    "classic-consumer-timeout.before-4-3": {
        "en": "RabbitMQ {{rabbitmq_version}} times out deliveries on classic queues too (4.3 "
        "no longer does)",
        "ko": "RabbitMQ {{rabbitmq_version}}은 클래식 큐의 전달에도 타임아웃을 둔다(4.3은 더 이상 "
        "두지 않는다)",
    },
    "classic-consumer-timeout.pass": {
        "en": "RabbitMQ {{rabbitmq_version}}: no classic queue relies on consumer_timeout",
        "ko": "RabbitMQ {{rabbitmq_version}}: consumer_timeout에 기대는 클래식 큐가 없다",
    },
    "latency.timeout": {
        "en": "the message did not come back within {{timeout_s}} s",
        "ko": "메시지가 {{timeout_s}}초 안에 돌아오지 않았다",
    },
    # connections (diagnostics.checks.connection) and the probes' failures (ProbeFailure);
    # `error` is the library's or the peer's own text, shown as it came
    "connection.amqp.pass": {
        "en": "AMQP handshake with {{server}} as '{{user}}' on vhost '{{vhost}}' in "
        "{{connect_ms}} ms",
        "ko": "{{server}}와 AMQP 핸드셰이크 성공: 사용자 '{{user}}', vhost '{{vhost}}', "
        "{{connect_ms}} ms",
    },
    "connection.amqp.pass.no-server": {
        "en": "AMQP handshake with the broker as '{{user}}' on vhost '{{vhost}}' in "
        "{{connect_ms}} ms",
        "ko": "브로커와 AMQP 핸드셰이크 성공: 사용자 '{{user}}', vhost '{{vhost}}', "
        "{{connect_ms}} ms",
    },
    "connection.redis.pass": {
        "en": "Redis answered PING on db {{db}} in {{connect_ms}} ms",
        "ko": "Redis가 db {{db}}에서 {{connect_ms}} ms 만에 PING에 응답했다",
    },
    "probe.not-amqp": {
        "en": "port {{port}} of {{host}} answered, but not as an AMQP broker (no AMQP "
        "Connection.Start; no credentials were sent): {{error}}",
        "ko": "{{host}}의 포트 {{port}}가 응답했지만 AMQP 브로커의 응답이 아니다(AMQP "
        "Connection.Start가 오지 않았고, 자격 증명은 보내지 않았다): {{error}}",
    },
    "probe.not-redis": {
        "en": "port {{port}} of {{host}} answered, but not as a Redis server (no credentials "
        "were sent): {{error}}",
        "ko": "{{host}}의 포트 {{port}}가 응답했지만 Redis 서버의 응답이 아니다(자격 증명은 "
        "보내지 않았다): {{error}}",
    },
    "probe.access-refused": {
        "en": "ACCESS_REFUSED: {{user}} was refused by {{where}}",
        "ko": "ACCESS_REFUSED: {{where}}가 사용자 {{user}}를 거부했다",
    },
    "probe.redis-access-refused": {
        "en": "{{where}} refused the credentials: {{error}}",
        "ko": "{{where}}가 자격 증명을 거부했다: {{error}}",
    },
    "probe.not-allowed": {
        "en": "NOT_ALLOWED: {{user}} may not open vhost {{vhost}} on {{where}}",
        "ko": "NOT_ALLOWED: 사용자 {{user}}는 {{where}}에서 vhost {{vhost}}를 열 수 없다",
    },
    "probe.refused": {
        "en": "connection refused by {{where}} (nothing listens there)",
        "ko": "{{where}}가 연결을 거부했다(그 포트에서 기다리는 프로그램이 없다)",
    },
    "probe.unreachable": {
        "en": "cannot reach {{where}}: {{error}}",
        "ko": "{{where}}에 닿을 수 없다: {{error}}",
    },
    "probe.timeout": {
        "en": "timed out after {{timeout_s}} s waiting for {{where}}",
        "ko": "{{where}}의 응답을 {{timeout_s}}초 동안 기다리다 시간이 초과됐다",
    },
    "probe.tls": {
        "en": "TLS handshake with {{where}} failed: {{error}}",
        "ko": "{{where}}와의 TLS 핸드셰이크가 실패했다: {{error}}",
    },
    "probe.reset": {
        "en": "{{where}} closed the connection during the handshake: {{error}}",
        "ko": "{{where}}가 핸드셰이크 도중 연결을 끊었다: {{error}}",
    },
    "probe.redis-reset": {
        "en": "cannot talk to {{where}}: {{error}}",
        "ko": "{{where}}와 통신할 수 없다: {{error}}",
    },
    "probe.error": {
        "en": "unexpected error: {{error}}",
        "ko": "예상하지 못한 오류: {{error}}",
    },
    "probe.dns": {"en": "{{error}}", "ko": "{{error}}"},
    "management.unauthorized": {
        "en": "{{where}} refused user {{user}} (401)",
        "ko": "{{where}}가 사용자 {{user}}를 거부했다(401)",
    },
    "management.http-status": {
        "en": "GET {{path}} answered {{status_code}}: {{error}}",
        "ko": "GET {{path}}의 응답이 {{status_code}}이다: {{error}}",
    },
    "management.not-json": {
        "en": "GET {{path}} did not answer JSON",
        "ko": "GET {{path}}의 응답이 JSON이 아니다",
    },
    "management.not-management": {
        "en": "port {{port}} of {{host}} answered HTTP {{status_code}}, but not as the RabbitMQ "
        "management API (no credentials were sent)",
        "ko": "{{host}}의 포트 {{port}}가 HTTP {{status_code}}로 응답했지만 RabbitMQ 관리 API의 "
        "응답이 아니다(자격 증명은 보내지 않았다)",
    },
    "management.tls": {
        "en": "TLS with {{where}} failed: {{error}}",
        "ko": "{{where}}와의 TLS 연결이 실패했다: {{error}}",
    },
    "management.timeout": {
        "en": "{{where}} did not answer within {{timeout_s}} s",
        "ko": "{{where}}가 {{timeout_s}}초 안에 응답하지 않았다",
    },
    "management.not-http": {
        "en": "port {{port}} of {{host}} accepted the connection but gave no HTTP answer: not "
        "the RabbitMQ management API (its port is usually 15672)",
        "ko": "{{host}}의 {{port}} 포트가 연결은 받았지만 HTTP로 응답하지 않았다. RabbitMQ 관리 API가 "
        "아니다(보통 15672 포트)",
    },
    "management.unreachable": {
        "en": "cannot reach {{where}}",
        "ko": "{{where}}에 닿을 수 없다",
    },
    "management.redirect": {
        "en": "GET {{path}} answered {{status_code}} redirecting to {{location}}; live checks "
        "never follow redirects (point the management URL at the API itself)",
        "ko": "GET {{path}}가 {{status_code}}로 {{location}}에 리디렉션했다. 라이브 점검은 "
        "리디렉션을 따라가지 않는다(관리 URL이 API 자체를 가리키게 한다)",
    },
    "management.vhost-404": {
        "en": "GET {{path}}: vhost not found (404)",
        "ko": "GET {{path}}: vhost를 찾을 수 없다(404)",
    },
    # the runner (diagnostics.checks.runner)
    "runner.timeout": {
        "en": "timed out after {{budget_s}} s (its timeout ran out during this check)",
        "ko": "{{budget_s}}초 뒤 시간 초과(이 점검의 제한 시간이 다 됐다)",
    },
    "runner.timeout.whole-run": {
        "en": "timed out after {{budget_s}} s (the whole run's {{total_s}} s timeout "
        "(--timeout) ran out during this check)",
        "ko": "{{budget_s}}초 뒤 시간 초과(이 점검 도중 전체 실행 제한 시간 {{total_s}}초"
        "(--timeout)가 다 됐다)",
    },
    "runner.check-failed": {
        "en": "check failed: {{error}}",
        "ko": "점검이 실패했다: {{error}}",
    },
    "runner.not-run": {
        "en": "not run: the whole run's {{total_s}} s timeout ran out during check "
        "'{{ran_out_during}}'",
        "ko": "실행하지 않음: 점검 '{{ran_out_during}}' 도중 전체 실행 제한 시간 {{total_s}}초가 "
        "다 됐다",
    },
}
# Said after any message whose evidence has `assumed: true`: the timeout compared with
# was the default because nobody gave one (a paste without rabbitmq.conf, a live check
# without --consumer-timeout-ms: RabbitMQ does not show it remotely).
ASSUMED = {
    "en": " (timeout assumed: the default, as none was given)",
    "ko": " (타임아웃은 주어지지 않아 기본값으로 가정했다)",
}


def _shapes(table: dict[str, str]) -> tuple[tuple[re.Pattern, str], ...]:
    """{English shape (a regex over our own words): Korean with the same groups}, compiled."""
    return tuple((re.compile(shape), korean) for shape, korean in table.items())


# Check titles: stored in English (stable, and what the logs show), worded here. A title
# names a check, sometimes with a subject (a node, a queue, a worker) in it.
TITLES_KO = {
    "Reachability and handshake": "접속과 핸드셰이크",
    "Management API": "관리 API",
    "Memory and disk alarms": "메모리·디스크 알람",
    "Consumer timeout vs ETA and acks_late": "consumer_timeout 대 ETA·acks_late",
    "Queues": "큐",
    "Fanout exchanges": "팬아웃 익스체인지",
    "RabbitMQ 4.x changes": "RabbitMQ 4.x 변경 사항",
    "Workers (remote control)": "워커(원격 제어)",
    "Round-trip latency": "왕복 지연 시간",
    "Redis version and eviction policy": "Redis 버전과 메모리 축출 정책",
    "Visibility timeout vs countdown/ETA": "visibility_timeout 대 countdown/ETA",
    "Queue lengths": "큐 길이",
    "Transient non-exclusive queues (RabbitMQ 4.3)": "비내구성·비배타적 큐(RabbitMQ 4.3)",
    "Global QoS (RabbitMQ 4.x)": "전역 QoS(RabbitMQ 4.x)",
    "x-queue-version 1 / x-queue-mode (RabbitMQ 4.3)": "x-queue-version 1 / x-queue-mode "
    "(RabbitMQ 4.3)",
    "Mirroring policies (RabbitMQ 4.0)": "미러링 정책(RabbitMQ 4.0)",
    "consumer_timeout on classic queues (RabbitMQ 4.3)": "클래식 큐의 consumer_timeout "
    "(RabbitMQ 4.3)",
}
# `\1` is the subject, kept as it is
TITLE_SHAPES_KO = _shapes(
    {
        r"Connect to (.+)": r"\1에 연결",
        r"Queue '(.*)': (.+) declaration vs broker": r"큐 '\1': \2 선언 대 브로커",
        r"Queue '(.*)': dead-letter exchange": r"큐 '\1': 데드레터 익스체인지",
        r"Queue '(.*)': consumers": r"큐 '\1': 소비자",
        r"Queue '(.*)': workers": r"큐 '\1': 워커",
        r"Queue '(.*)': priorities": r"큐 '\1': 우선순위",
        r"Queue '(.*)'": r"큐 '\1'",
        r"Worker (.+): queue mix": r"워커 \1: 큐 구성",
    }
)


def check_title(title: str, lang: str = "en") -> str:
    """A check's stored (English) title in `lang`; an unknown title stays as it is."""
    if language(lang) != "ko" or not title:
        return title
    if title in TITLES_KO:
        return TITLES_KO[title]
    for shape, korean in TITLE_SHAPES_KO:
        match = shape.fullmatch(title)
        if match:
            return match.expand(korean)
    return title


# Notices and refusals of a paste (budget, engine, parsers): the parsers stay free of
# Django and of `re`, and a saved report keeps its English notices, so they are worded
# here, at read time. Numbers and the user's own text are kept as they are.
NUMBER = r"([0-9][0-9,.]*)"
NOTICE_SHAPES_KO = _shapes(
    {
        # the analysis budget (diagnostics.budget) and the engine's long-paste cut
        rf"The analysis stopped after {NUMBER} seconds \(at: (.+)\); the answer below "
        r"covers what was analysed until then\. Paste only the error and the lines around "
        r"it for a complete analysis\.": r"분석이 \1초 뒤(\2 단계에서) 멈췄다. 아래 답은 "
        r"그때까지 분석한 부분만 다룬다. 완전히 분석하려면 오류와 그 앞뒤 줄만 붙여 넣는다.",
        rf"The paste has {NUMBER} lines: the first {NUMBER} and the last {NUMBER} were "
        rf"analysed, {NUMBER} in between were not\.": r"붙여 넣은 내용은 \1줄이다. 처음 \2줄과 "
        r"마지막 \3줄을 분석했고, 그 사이의 \4줄은 분석하지 않았다.",
        # the parsers' refusals of one region (MalformedPaste)
        rf"Python over {NUMBER} KB is not analysed": r"\1 KB가 넘는 파이썬 코드는 분석하지 "
        r"않는다",
        rf"Python nested deeper than {NUMBER} levels is not analysed": r"\1단계보다 깊이 "
        r"중첩된 파이썬 코드는 분석하지 않는다",
        rf"Python with a dotted name of over {NUMBER} parts is not analysed": r"점으로 이은 "
        r"이름이 \1부분을 넘는 파이썬 코드는 분석하지 않는다",
        r"Python too deeply nested to analyse": r"파이썬 코드가 너무 깊이 중첩되어 분석할 수 없다",
        rf"YAML aliases \(\*(.*)\) are refused: line {NUMBER}": r"YAML 별칭(*\1)은 받지 "
        r"않는다: \2번째 줄",
        rf"YAML with more than {NUMBER} nodes is not analysed": r"노드가 \1개를 넘는 YAML은 "
        r"분석하지 않는다",
        rf"more than {NUMBER} YAML documents": r"YAML 문서가 \1개를 넘는다",
        # PasteError: the paste as a whole is refused (diagnostics.engine, the parsers)
        rf"The YAML at line {NUMBER} is nested more than {NUMBER} levels deep; such input "
        r"is not analysed\. Paste the manifest without the deep part\.": r"\1번째 줄의 YAML이 "
        r"\2단계보다 깊이 중첩되어 있어 분석하지 않는다. 깊은 부분을 빼고 매니페스트를 붙여 "
        r"넣는다.",
        rf"The paste is {NUMBER} bytes; the limit is {NUMBER} bytes\. Paste the error and "
        r"the lines around it\.": r"붙여 넣은 내용이 \1바이트로, 한도 \2바이트를 넘는다. "
        r"오류와 그 앞뒤 줄만 붙여 넣는다.",
        r"The paste looks like binary data, not text\.": r"붙여 넣은 내용이 텍스트가 아니라 "
        r"바이너리 데이터로 보인다.",
        rf"The paste is not valid UTF-8 \(byte {NUMBER}\)\.": r"붙여 넣은 내용이 올바른 "
        r"UTF-8이 아니다(\1번째 바이트).",
        r"The paste is empty\.": r"붙여 넣은 내용이 비어 있다.",
        r"The paste must be text\.": r"붙여 넣은 내용은 텍스트여야 한다.",
        r"The paste is nested too deeply to analyse\.": r"붙여 넣은 내용이 너무 깊이 중첩되어 "
        r"분석할 수 없다.",
        # the live check's pasted config (diagnostics.checks.expectations, .plan)
        rf"The config is over the limit of {NUMBER} bytes\.": r"붙여 넣은 설정이 한도 "
        r"\1바이트를 넘는다.",
        r"(?s)the pasted config could not be read: (.+)": r"붙여 넣은 설정을 읽을 수 없다: \1",
        r"the pasted text holds no Celery config, worker command or queue definition": r"붙여 "
        r"넣은 내용에 Celery 설정, 워커 명령, 큐 정의가 없다",
        # a live check refused before any packet (allowlist, target URLs, the run limit)
        r"live checks are switched off on this site: (\S+) is empty; the site's operators can "
        r"add the host name, address or network of your broker to it": r"이 사이트에서는 라이브 "
        r"점검이 꺼져 있다(\1이 비어 있음). 사이트 운영자가 브로커의 호스트 이름, 주소, "
        r"네트워크를 여기에 추가할 수 있다",
        r"host (.+) is not in (\S+); add the address or its network to that setting to allow "
        r"live checks against it": r"호스트 \1은 \2에 없다. 이 호스트를 라이브 점검하려면 그 "
        r"주소나 네트워크를 이 설정에 추가한다",
        r"host (.+) is not in (\S+); add the host name \(or a \*\.suffix\) to that setting to "
        r"allow live checks against it \(names are never looked up otherwise\)": r"호스트 \1은 "
        r"\2에 없다. 이 호스트를 라이브 점검하려면 호스트 이름(또는 *.접미사)을 이 설정에 "
        r"추가한다(그 밖의 이름은 조회하지 않는다)",
        r"host (.+) is allowed by name in (\S+) but resolves to (.+) \(loopback, private, "
        r"link-local, metadata or another special-purpose address\); add that address or "
        r"network to \S+ if this is intended": r"호스트 \1은 \2에 이름으로 허용되어 있지만 \3"
        r"(루프백, 사설, 링크 로컬, 메타데이터 등 특수 용도 주소)로 풀린다. 의도한 것이라면 그 "
        r"주소나 네트워크를 \2에 추가한다",
        rf"DNS lookup of (.+) timed out after {NUMBER} s": r"DNS에서 \1을 찾다가 \2초 뒤 시간이 "
        r"초과됐다",
        r"DNS lookup of (.+) failed: (.+)": r"DNS에서 \1을 찾지 못했다: \2",
        rf"{NUMBER} check runs are in progress; retry in a few seconds": r"점검 \1개가 이미 "
        r"실행 중이다. 몇 초 뒤에 다시 시도한다",
        r"unsupported broker URL scheme (.+) in (.+): use amqp://, amqps://, redis:// or "
        r"rediss://": r"\2의 브로커 URL 스킴 \1은 지원하지 않는다. amqp://, amqps://, redis://, "
        r"rediss:// 중 하나를 쓴다",
        r"broker URL (.+) names no host": r"브로커 URL \1에 호스트가 없다",
        r"broker URL (.+) has an invalid port": r"브로커 URL \1의 포트가 올바르지 않다",
        r"Redis URL (.+): database must be a number": r"Redis URL \1: 데이터베이스는 숫자여야 "
        r"한다",
        r"no broker URL given": r"브로커 URL이 주어지지 않았다",
        r"a failover list cannot mix AMQP and Redis URLs": r"장애 조치 목록에 AMQP URL과 Redis "
        r"URL을 섞을 수 없다",
        r"management URL (.+) must be http\(s\)://host\[:port\]": r"관리 URL \1은 "
        r"http(s)://host[:port] 형식이어야 한다",
        r"management URL (.+) has an invalid port": r"관리 URL \1의 포트가 올바르지 않다",
        r"a management API URL only makes sense with an AMQP broker": r"관리 API URL은 AMQP "
        r"브로커에만 쓸 수 있다",
        r"timeout must be between 0 and 600 seconds": r"timeout은 0초에서 600초 사이여야 한다",
        r"consumer timeout must be a positive number of milliseconds": r"consumer timeout은 "
        r"양수(밀리초)여야 한다",
        # a run that failed as a whole (diagnostics.checks.service)
        r"the run never finished: no worker picked it up \(is the Celery worker or web process "
        r"up\?\)": r"실행이 끝나지 않았다: 실행을 맡은 워커가 없다(Celery 워커나 웹 프로세스가 "
        r"떠 있는가?)",
        r"the run never finished: it stopped \(is the Celery worker or web process up\?\)": r"실행이 "
        r"끝나지 않았다: 도중에 멈췄다(Celery 워커나 웹 프로세스가 떠 있는가?)",
        r"the run stopped: (.+)": r"실행이 멈췄다: \1",
        r"(?s)run could not start: (.+)": r"실행을 시작할 수 없었다: \1",
        r"(?s)the run could not be handed to a worker: (.+)": r"실행을 워커에 넘기지 못했다: \1",
    }
)
LINE_PREFIX = re.compile(r"line ([0-9]+): (.+)", re.DOTALL)


def notice_text(text: str, lang: str = "en") -> str:
    """A notice, or a refusal of a paste or a live check (English as produced), in `lang`."""
    if language(lang) != "ko" or not text:
        return text
    prefixed = LINE_PREFIX.fullmatch(text)
    if prefixed:
        return f"{prefixed.group(1)}번째 줄: {notice_text(prefixed.group(2), lang)}"
    for shape, korean in NOTICE_SHAPES_KO:
        match = shape.fullmatch(text)
        if match:
            return match.expand(korean)
    return text


def language(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def format_value(value: Any, lang: str = "en") -> str:
    """One evidence value as text: whole floats without `.0`, lists joined, None as a word."""
    if value is None:
        return NONE_WORD[lang]
    if isinstance(value, bool):
        return YES_NO[lang][0 if value else 1]
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, list | tuple):
        shown = [format_value(item, lang) for item in value[:MAX_LISTED]]
        return ", ".join(shown) + (", …" if len(value) > MAX_LISTED else "") or "-"
    return str(value)


def fill_message(template: str, evidence: dict[str, Any], lang: str = "en") -> str:
    """`template` with each `{{name}}` replaced by the formatted evidence value."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return format_value(evidence[name], lang) if name in evidence else match.group(0)

    return PLACEHOLDER.sub(value, template)


def finding_message(finding: dict[str, Any], kb: Any, lang: str = "en") -> str:
    """The words of one finding (a dict as stored), from its entry's `messages`."""
    lang = language(lang)
    entry = kb.resolve(finding.get("entry", "")) if kb is not None else None
    texts = (entry.messages if entry is not None else {}).get(finding.get("rule", ""))
    if texts:
        evidence = finding.get("evidence") or {}
        text = fill_message(texts.get(lang) or texts["en"], evidence, lang)
        return text + (ASSUMED[lang] if evidence.get("assumed") is True else "")
    # reports saved before messages moved to the entries kept their English words
    return finding.get("message") or finding.get("rule", "")


def complete_facts(facts: dict[str, str]) -> dict[str, str]:
    """Facts for the fix placeholders, with values that depend on each other made coherent.

    `soft` and `hard` are task time limits in seconds: the soft one must stay below
    the hard one, so a missing (or inconsistent) one is computed from the other
    (ratio 5:6, the entry's own 300/360) instead of taking an unrelated default.
    """
    out = dict(facts)
    hard, soft = _seconds(out.get("hard")), _seconds(out.get("soft"))
    if hard is not None:
        out["hard"] = _number(hard)
        if soft is None or soft >= hard:
            out["soft"] = _number(hard * 5 / 6 if hard >= 2 else hard / 2)
    elif soft is not None:
        out["soft"] = _number(soft)
        out["hard"] = _number(math.ceil(soft * 6 / 5) if soft >= 1 else soft * 2)
    return out


def _seconds(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _number(value: float) -> str:
    if value >= 2:
        return str(int(value))
    return f"{value:g}"


def entry_title(entry: Any, lang: str) -> str:
    return entry.title_ko if lang == "ko" and entry.title_ko else entry.title


def entry_url(entry: Any, lang: str) -> str:
    return entry.url + ("?lang=ko" if lang == "ko" else "")


def present_match(match: dict[str, Any], kb: Any, lang: str = "en") -> dict[str, Any]:
    """A stored match with its title, link, fix (filled with its facts) and live-check link."""
    lang = language(lang)
    out = dict(match)
    entry = kb.resolve(match.get("slug", "")) if kb is not None else None
    facts = match.get("facts") or {}
    if entry is None:  # an entry removed since the report was saved
        out.setdefault("title", match.get("slug", ""))
        out.setdefault("url", "")
        out.setdefault("fix", "")
        out.setdefault("examples", {})
        out.setdefault("confirm", "")
    else:
        out["title"] = entry_title(entry, lang)
        out["url"] = entry_url(entry, lang)
        filled = complete_facts(facts)
        out["fix"] = entry.render_section("fix", filled, lang)
        # the fix's values the paste did not give: shown as examples, and named under it
        out["examples"] = entry.section_defaults("fix", filled, lang)
        # the one check that tells the reader whether this cause is theirs
        out["confirm"] = entry.render_confirm(filled, lang)
    out["check_url"] = live_check_url(match.get("slug", ""), facts)
    return out


def live_check_url(slug: str, facts: dict[str, str]) -> str | None:
    """The live-check form for a queue named in the paste, when a check can confirm the match."""
    if slug not in LINKED_FROM_DIAGNOSIS or not facts.get("queue"):
        return None
    query = {"queue": facts["queue"]}
    if facts.get("vhost"):
        query["vhost"] = facts["vhost"]
    return f"{reverse('checks:form')}?{urlencode(query)}"


def present_finding(finding: dict[str, Any], kb: Any, lang: str = "en") -> dict[str, Any]:
    lang = language(lang)
    out = dict(finding)
    out["message"] = finding_message(finding, kb, lang)
    entry = kb.resolve(finding.get("entry", "")) if kb is not None else None
    section = (finding.get("evidence") or {}).get("section")
    url = entry_url(entry, lang) if entry is not None else ""
    out["entry_url"] = f"{url}#{section}" if url and section else url
    out["entry_title"] = entry_title(entry, lang) if entry is not None else finding.get("entry")
    return out


def present_diagnosis(data: dict[str, Any], *, kb: Any, lang: str = "en") -> dict[str, Any]:
    """The stored diagnosis (Diagnosis.as_dict() or a saved report) with its words, for `lang`."""
    out = dict(data)
    out["matches"] = [present_match(m, kb, lang) for m in data.get("matches") or []]
    out["findings"] = [present_finding(f, kb, lang) for f in data.get("findings") or []]
    out["notices"] = [notice_text(notice, lang) for notice in data.get("notices") or []]
    out["lang"] = language(lang)
    return out


def present_check_result(result: dict[str, Any], *, kb: Any, lang: str = "en") -> dict[str, Any]:
    """One stored live-check result with its message in `lang`.

    Results of shared rules carry `rule` (words from the entry) or `outcome`
    (a PASS or SKIP, words from OUTCOMES); older units still carry their message.
    """
    lang = language(lang)
    out = dict(result)
    out["title"] = check_title(result.get("title", ""), lang)
    evidence = result.get("evidence") or {}
    if isinstance(evidence.get("error"), str):  # our own sentence (a DNS failure) is worded too
        evidence = {**evidence, "error": notice_text(evidence["error"], lang)}
    if result.get("rule") and result.get("entry"):
        out["message"] = finding_message(result, kb, lang)
    elif result.get("outcome") in OUTCOMES:
        texts = OUTCOMES[result["outcome"]]
        out["message"] = fill_message(texts[lang], evidence, lang)
        if evidence.get("assumed") is True and result["outcome"].endswith(".pass"):
            out["message"] += ASSUMED[lang]
    return out


def present_check_results(
    results: list[dict[str, Any]], *, kb: Any, lang: str = "en"
) -> list[dict[str, Any]]:
    return [present_check_result(result, kb=kb, lang=lang) for result in results]
