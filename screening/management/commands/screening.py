"""`manage.py screening org NAME | issue ORG NAME --scopes ... | revoke PREFIX | keys | webhook ...`.

`screening webhook add ORG URL | list [ORG] | remove ID | test ID` registers, lists, removes and tests an
organisation's webhooks through the same services as the API (so the same URL checks apply)."""

from django.core.management.base import BaseCommand, CommandError

from screening.keys import key_issue, key_revoke
from screening.models import ApiKey, Organisation, Webhook
from screening.webhook_registry import WebhookError, webhook_create, webhook_delete
from screening.webhooks import webhook_test


class Command(BaseCommand):
    help = "Manage screening clients: organisations and their API keys."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        org = actions.add_parser("org", help="create an organisation (an exchange)")
        org.add_argument("name")
        issue = actions.add_parser("issue", help="issue a key (printed once; only its hash is kept)")
        issue.add_argument("organisation")
        issue.add_argument("name")
        issue.add_argument("--scopes", nargs="+", default=["screen"], choices=ApiKey.Scope.values)
        issue.add_argument("--rate", type=int, default=600, help="requests per minute (default 600)")
        revoke = actions.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")
        actions.add_parser("keys", help="list keys (prefixes only)")
        self._webhook_arguments(actions.add_parser("webhook", help="register, list, remove or test webhooks"))

    def _webhook_arguments(self, parser) -> None:
        steps = parser.add_subparsers(dest="step", required=True)
        add = steps.add_parser("add", help="register a webhook (its secret is printed once)")
        add.add_argument("organisation")
        add.add_argument("url")
        add.add_argument("--description", default="")
        add.add_argument("--secret", default="", help="at least 16 characters; default: one is made")
        listed = steps.add_parser("list", help="list webhooks")
        listed.add_argument("organisation", nargs="?", help="default: every organisation's")
        steps.add_parser("remove", help="remove a webhook and its delivery log").add_argument("id", type=int)
        steps.add_parser("test", help="send a signed webhook.test event now").add_argument("id", type=int)

    def handle(self, *, action, **options):
        if action == "webhook":
            self._webhook(**options)
        elif action == "org":
            organisation, made = Organisation.objects.get_or_create(name=options["name"])
            self.stdout.write(f"{organisation.name}: {'created' if made else 'already there'}")
        elif action == "issue":
            organisation = _organisation(options["organisation"])
            key = key_issue(
                organisation=organisation,
                name=options["name"],
                scopes=options["scopes"],
                rate_per_minute=options["rate"],
            )
            self.stdout.write(key)
            self.stderr.write("Keep it now: it is not stored and cannot be shown again.")
        elif action == "revoke":
            try:
                key = key_revoke(prefix=options["prefix"])
            except ApiKey.DoesNotExist as exc:
                raise CommandError(f"no key with prefix {options['prefix']!r}") from exc
            self.stdout.write(f"revoked {key}")
        else:
            for key in ApiKey.objects.select_related("organisation").order_by("organisation__name", "name"):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
                scopes = ",".join(key.scopes)
                self.stdout.write(
                    f"{key.prefix}\t{key.organisation}\t{key.name}\t{scopes}\t{key.rate_per_minute}/min\t{state}"
                )

    def _webhook(self, *, step, **options) -> None:
        if step == "add":
            try:
                hook = webhook_create(
                    organisation=_organisation(options["organisation"]),
                    url=options["url"],
                    description=options["description"],
                    secret=options["secret"],
                )
            except WebhookError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"{hook.id}\t{hook.url}\t{hook.secret}")
            self.stderr.write("Keep the secret: receivers check signatures with it.")
        elif step == "list":
            hooks = Webhook.objects.select_related("organisation").order_by("organisation__name", "id")
            if options["organisation"]:
                hooks = hooks.filter(organisation=_organisation(options["organisation"]))
            for hook in hooks:
                state = "active" if hook.active else "paused"
                self.stdout.write(f"{hook.id}\t{hook.organisation}\t{hook.url}\t{state}\t{hook.description}")
        elif step == "remove":
            hook = _webhook(options["id"])
            webhook_delete(webhook=hook)
            self.stdout.write(f"removed {hook}")
        else:
            delivery = webhook_test(webhook=_webhook(options["id"]))
            outcome = f"HTTP {delivery.last_status_code}" if delivery.last_status_code else delivery.last_error
            self.stdout.write(f"{delivery.status}: {outcome} (delivery {delivery.delivery_id})")
            if delivery.status != delivery.Status.DELIVERED:
                raise CommandError(f"the test event was not delivered: {delivery.last_error}")


def _organisation(name: str) -> Organisation:
    organisation = Organisation.objects.filter(name=name).first()
    if organisation is None:
        raise CommandError(f"no organisation {name!r}: create it with `screening org`")
    return organisation


def _webhook(webhook_id: int) -> Webhook:
    hook = Webhook.objects.select_related("organisation").filter(id=webhook_id).first()
    if hook is None:
        raise CommandError(f"no webhook {webhook_id}: see `screening webhook list`")
    return hook
