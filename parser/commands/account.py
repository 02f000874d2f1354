"""Account: the customer's name, linked to the account directory again."""

from parser.commands.spec import Spec, nonempty

SPEC = Spec("account", "Account: the customer's name", nonempty("Account"),
            labels=("account", "customer"), detail="(corrects the account)")
