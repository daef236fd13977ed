"""The admin's common base: rows through ``restrict``, writes through the services.

Non-superusers see in the admin exactly what :mod:`xuefen.org.scoping` lets them see;
saving and deleting call the app's service functions, so the admin writes the same audit
rows and checks the same rules as the pages.

Two hardenings apply to every admin of the site:

- **Declared lookups only.** Django lets a change list filter on any field of its model from
  the query string (``?id_number__startswith=5308022000``): one request per digit recovers a
  masked ID number. :class:`StrictLookupsMixin` accepts only the lookups the admin declares
  (its ``list_filter`` and ``date_hierarchy``); anything else is Django's "incorrect lookup"
  answer (400), never a result.
- **Submitted ids never reach the database unchecked.** A foreign key posted as ``abc`` or
  as a 30-digit number is a form error, not a server error (:class:`SafeModelChoiceField`),
  and a foreign key offers only the rows the user may see.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import FieldListFilter, ListFilter, SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect, url_params_from_lookup_dict
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from .scoping import ScopedModel, can

logger = logging.getLogger(__name__)

# Primary keys are 64-bit integers; anything outside is not an id (and overflows SQLite).
_PK_MIN, _PK_MAX = -(2**63), 2**63 - 1


def is_valid_pk(model: type[models.Model], value: Any) -> bool:
    """Whether ``value`` can be a primary key of ``model`` (type and range), without a query."""
    pk = model._meta.pk
    try:
        python = pk.to_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return not isinstance(python, int) or _PK_MIN <= python <= _PK_MAX


class SafeModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` that refuses values that cannot be a key before querying."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        model = self.queryset.model
        field = model._meta.pk if key == "pk" else model._meta.get_field(key)
        if field.primary_key and not is_valid_pk(model, value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` that refuses values that cannot be keys."""

    def _check_values(self, value: Any) -> Any:
        model = self.queryset.model
        if self.to_field_name in (None, "pk", model._meta.pk.name):
            for item in value:
                if not is_valid_pk(model, item):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    )
        return super()._check_values(value)


class SafeAutocompleteSelect(AutocompleteSelect):
    """Renders a redisplayed form whose submitted id is garbage without querying it."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        model = self.field.remote_field.model
        to_field = self.field.remote_field.field_name
        if to_field == model._meta.pk.name:
            value = [v for v in value if v in ("", None) or is_valid_pk(model, v)]
        return super().optgroups(name, value, attr)


class StrictLookupsMixin:
    """Only the lookups an admin declares may come from the query string.

    Declared: the parameters of the ``list_filter`` entries (whatever each filter expects,
    e.g. ``status__exact``, ``created_at__gte``), the ``date_hierarchy`` drill-down
    (``date__year``/``__month``/``__day``), and Django's exact ``limit_choices_to`` pairs of
    the related-object pop-ups. Searching (``q``) is governed by ``get_search_fields``.
    """

    _LOOKUPS_ATTR = "_xuefen_declared_lookups"

    def declared_lookups(self, request: HttpRequest | None) -> frozenset[str]:
        """The query-string parameters this admin's filters and date drill-down use."""
        cache: dict[int, frozenset[str]] = {}
        if request is not None:
            cache = request.__dict__.setdefault(self._LOOKUPS_ATTR, {})
            if id(self) in cache:
                return cache[id(self)]
        allowed: set[str] = set()
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                allowed.add(item.parameter_name)
                continue
            if isinstance(item, type) and issubclass(item, ListFilter):
                continue  # a custom filter class without a known parameter: nothing
            if isinstance(item, (list, tuple)):
                path, filter_class = item
            else:
                path, filter_class = item, FieldListFilter.create
            field = get_fields_from_path(self.model, path)[-1]
            spec = filter_class(field, request, {}, self.model, self, field_path=path)
            allowed.update(spec.expected_parameters())
        if self.date_hierarchy:
            allowed.update(f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day"))
        result = frozenset(allowed)
        if request is not None:
            cache[id(self)] = result
        return result

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        if lookup in self.declared_lookups(request):
            return True
        # The related-object pop-ups of a limited foreign key (Teacher.school: kind=school)
        # filter the target's list by exactly that pair.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False


class SafeFormFieldsMixin:
    """Foreign keys offer only what the user may see, and garbage ids are form errors."""

    def related_queryset(self, request: HttpRequest, model: type[models.Model]) -> Any:
        """The rows a foreign key to ``model`` may point at for this user, or None for the
        default. Scoped models give what the user may view, accounts those the user sees in
        the user admin (:func:`xuefen.org.accounts.users_visible`)."""
        if issubclass(model, ScopedModel):
            return model.objects.restrict(request.user, "view")
        if model is get_user_model():
            from .accounts import users_visible

            return users_visible(request.user)
        return None

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("form_class", SafeModelChoiceField)
        if "queryset" not in kwargs:
            queryset = self.related_queryset(request, db_field.remote_field.model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(StrictLookupsMixin, SafeFormFieldsMixin, admin.ModelAdmin):
    """A ModelAdmin whose queryset and object permissions go through ``restrict``."""

    # Bulk deletion would bypass the services (and the audit log).
    actions_on_bottom = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        """Only the rows the user may view."""
        return super().get_queryset(request).restrict(request.user, "view")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """No bulk delete: every deletion goes through a service."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Model permission, and the object within the user's change scope."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can(request.user, "change", obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Model permission, and the object within the user's delete scope."""
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can(request.user, "delete", obj))

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        """None (Django's "does not exist") for an id that cannot be a key: a 30-digit id
        overflows SQLite where the key is a relation (Django guards only plain integers)."""
        if from_field is None and not is_valid_pk(self.model, object_id):
            return None
        return super().get_object(request, object_id, from_field)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show a service's refusal (a business rule the form cannot know) as a message
        instead of a server error; the transaction has been rolled back."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def original(self, obj: models.Model) -> models.Model:
        """The saved version of an object the admin form has already modified."""
        return type(obj).objects.get(pk=obj.pk)

    def run_action(self, request: HttpRequest, queryset: models.QuerySet, action: Any) -> None:
        """Run a service on each selected row, reporting failures row by row."""
        done = 0
        for obj in queryset:
            try:
                action(obj)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                detail = "; ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{obj}: {detail}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d done.") % {"count": done}, messages.SUCCESS)


class ReadOnlyAdmin(ScopedAdmin):
    """For derived or historical rows (audit, cached results): look, never touch."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
