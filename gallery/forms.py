"""Forms of the gallery's web pages (the API has its own serializers)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Visibility


class AssetEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separate tags with commas."),
    )
    visibility = forms.ChoiceField(label=_("Visible to"), choices=Visibility.choices)

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]
