"""The admin of the API keys: who has one, when each was last used, revoking them. A new
key's secret is shown once, on the page that follows its creation."""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from .admin_base import LIST_CSS, ago_with_title
from .api_keys import MODEL_FAMILIES, ApiKey
from .logins import ClaudeLogin

STATES = (("active", "Active"), ("revoked", "Revoked"))
# What a person sets on a key, when adding it and after.
EDITABLE = ("name", "extra_usage", "logins", "fallback", "model_families")


class KeyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return STATES

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked=None)
        if self.value() == "revoked":
            return queryset.exclude(revoked=None)
        return queryset


class ApiKeyForm(forms.ModelForm):
    """The key's logins as a person writes them (names, comma-separated, in order), and
    its model families as boxes to tick."""

    logins = forms.CharField(
        required=False, help_text="Claude login names, in order, comma-separated; none: the default login"
    )
    model_families = forms.MultipleChoiceField(
        required=False, choices=MODEL_FAMILIES, widget=forms.CheckboxSelectMultiple,
        label="Models", help_text="the model families it may ask for; none ticked: every one",
    )  # fmt: skip

    class Meta:
        model = ApiKey
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["logins"] = ", ".join(self.instance.logins or [])
        self.initial["model_families"] = list(self.instance.model_families or [])

    def clean_logins(self):
        names = list(dict.fromkeys(name.strip() for name in self.cleaned_data["logins"].split(",") if name.strip()))
        known = set(ClaudeLogin.objects.names())
        if unknown := [name for name in names if name not in known]:
            raise forms.ValidationError(f"No Claude login named {', '.join(unknown)}")
        return names


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = (
        "name", "shown_prefix", "logins_in_order", "allowed_models", "extra_usage", "created_ago", "last_used_ago", "state",
    )  # fmt: skip
    list_filter = (KeyStateFilter,)
    search_fields = ("name", "prefix")
    actions = ["revoke_selected"]

    class Media:
        css = LIST_CSS

    def get_fields(self, request, obj=None):
        return EDITABLE if obj is None else (*EDITABLE, "prefix", "created", "last_used", "revoked")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("name", "prefix", "created", "last_used", "revoked")

    def save_model(self, request, obj, form, change):
        if not change:
            request.new_secret = obj.new_secret()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # Shown here once, in this response alone: not in a message, which would keep it in a cookie.
        context = {**self.admin_site.each_context(request), "key": obj, "secret": request.new_secret, "opts": self.opts}
        return TemplateResponse(request, "admin/sessions_admin/apikey/created.html", context)

    @admin.display(description="Claude logins")
    def logins_in_order(self, obj):
        logins = obj.usable_logins()
        return " → ".join(logins) + (" (falls back)" if obj.fallback and len(logins) > 1 else "")

    @admin.display(description="Models")
    def allowed_models(self, obj):
        return ", ".join(obj.model_families) or "all"

    @admin.display(description="Key")
    def shown_prefix(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description="Created", ordering="created")
    def created_ago(self, obj):
        return ago_with_title(obj.created)

    @admin.display(description="Last used", ordering="last_used")
    def last_used_ago(self, obj):
        return ago_with_title(obj.last_used) if obj.last_used else "never"

    @admin.display(description="State", ordering="revoked")
    def state(self, obj):
        return "active" if obj.revoked is None else f"revoked {timezone.localtime(obj.revoked):%Y-%m-%d %H:%M}"

    @admin.action(description="Revoke the selected keys (refused at once, on every instance)")
    def revoke_selected(self, request, queryset):
        revoked = queryset.filter(revoked=None).update(revoked=timezone.now())
        self.message_user(request, f"Revoked {revoked} key{'s' if revoked != 1 else ''}.")
