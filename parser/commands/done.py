"""Done: a playbook task by number or title ("Done: 2", "Done: Call your manager"), or an
ask met ("Done: A1"). Not in the footer: each email's task list says how."""

from parser.commands.spec import Spec, nonempty

SPEC = Spec("done", "Done: 2 (a task) or A1 (an ask met)", nonempty("Done"), labels=("done",),
            footer=False, detail="(a task by number or title)")
