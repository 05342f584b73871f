from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Usuario"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Código de verificación"),
        help_text=_(
            "Los 6 dígitos de su aplicación de autenticación, o un código de "
            "recuperación. Déjelo vacío si aún no ha configurado el segundo factor."
        ),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Código de 6 dígitos"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Para qué es el token"),
        max_length=100,
        help_text=_("Por ejemplo: «sistema de casos de la organización»."),
    )
    days = forms.IntegerField(
        label=_("Vence en (días)"),
        min_value=1,
        max_value=365,
        initial=90,
        help_text=_("Los tokens sin vencimiento son un riesgo; elija lo necesario."),
    )
