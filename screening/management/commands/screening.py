"""`manage.py screening org NAME | key issue ORG NAME --scopes ... | key revoke PREFIX | keys`."""

from django.core.management.base import BaseCommand, CommandError

from screening.keys import key_issue, key_revoke
from screening.models import ApiKey, Organisation


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

    def handle(self, *, action, **options):
        if action == "org":
            organisation, made = Organisation.objects.get_or_create(name=options["name"])
            self.stdout.write(f"{organisation.name}: {'created' if made else 'already there'}")
        elif action == "issue":
            organisation = Organisation.objects.filter(name=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"no organisation {options['organisation']!r}: create it with `screening org`")
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
