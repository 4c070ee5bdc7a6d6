"""A content type registered for moderation tests: notes kept in memory, so reports, hiding,
deleting and approval can be tested through the real registry without another domain."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from api.domain import content
from api.domain.content import ContentRef, ContentType

NAME = "TestNote"


@dataclass
class NoteStore:
    notes: dict[int, ContentRef] = field(default_factory=dict)
    calls: list[tuple[str, int, int | None]] = field(default_factory=list)

    def add(self, note_id: int, author_id: int | None, text: str = "text", held: bool = False) -> ContentRef:
        self.notes[note_id] = ContentRef(
            content_type=NAME, id=note_id, author_id=author_id, title=f"Note {note_id}", text=text, held=held
        )
        return self.notes[note_id]

    async def load(self, ids: list[int]) -> dict[int, ContentRef]:
        return {i: self.notes[i] for i in ids if i in self.notes}

    def _action(self, name: str, **change):
        async def act(note_id: int, moderator_id: int | None) -> None:
            self.calls.append((name, note_id, moderator_id))
            self.notes[note_id] = replace(self.notes[note_id], **change)

        return act

    def register(self) -> None:
        content.content_types()[NAME] = ContentType(
            name=NAME,
            load=self.load,
            hide=self._action("hide", hidden=True),
            unhide=self._action("unhide", hidden=False),
            delete=self._action("delete", deleted=True),
            publish=self._action("publish", held=False),
        )

    @staticmethod
    def unregister() -> None:
        content.content_types().pop(NAME, None)
