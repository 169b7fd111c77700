from django import forms

from notifications.models import Channel, Kind


class PreferencesForm(forms.Form):
    """One choice per kind: immediately, in the daily digest, or off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Channel.choices,
                widget=forms.RadioSelect,
            )
