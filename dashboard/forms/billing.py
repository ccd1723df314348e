from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import RegisterForm
from billing.plans import PlanCode


class SignupForm(RegisterForm):
    """The public signup: the owner (RegisterForm), the first store and the plan."""

    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    store_name = forms.CharField(label=_("Store name"), max_length=200)
    store_address = forms.CharField(label=_("Store address"), max_length=500, required=False)
    has_products = forms.BooleanField(label=_("Takes orders"), required=False, initial=True)
    has_reservations = forms.BooleanField(label=_("Takes table reservations"), required=False)
    has_consultations = forms.BooleanField(label=_("Books appointments or consultations"), required=False)
    plan = forms.ChoiceField(label=_("Plan"), choices=PlanCode.choices, initial=PlanCode.STARTER)

    # Where a service error (named like the JSON API's fields) is shown on this form.
    API_FIELDS = {
        "userData.email": "email",
        "userData.password": "password",
        "businessData.name": "business_name",
        "plan": "plan",
    }
    PERSON_FIELDS = ("first_name", "last_name", "email", "password", "phone")
    BUSINESS_FIELDS = ("business_name", "business_type")

    def __init__(self, *args: object, signed_in: bool = False, has_business: bool = False, **kwargs: object):
        super().__init__(*args, **kwargs)
        # Someone signed in opens a store under their account: only the store and the plan (and
        # the business when they manage none) are asked.
        dropped = (self.PERSON_FIELDS if signed_in else ()) + (self.BUSINESS_FIELDS if has_business else ())
        for name in dropped:
            del self.fields[name]


class PlanForm(forms.Form):
    store_id = forms.IntegerField(widget=forms.HiddenInput)
    plan = forms.ChoiceField(label=_("Plan"), choices=PlanCode.choices)
