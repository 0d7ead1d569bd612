"""The paste form (/diagnose/): one text field and a save checkbox."""

from __future__ import annotations

from django import forms


class PasteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), strip=False)
    save = forms.BooleanField(required=False)
