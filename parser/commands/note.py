"""Note: text for the timeline. Any other new text of a reply becomes one note too."""

from parser.commands.spec import Spec, nonempty

# never a typo's guess: "Nite: …" is prose, and prose becomes a note anyway
SPEC = Spec("note", "Note: ...", nonempty("Note"), labels=("note", "notes"), guesses=(),
            next_line=True)
