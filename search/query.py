"""The text query: web search syntax, prefixes and words to correct.

Syntax (PostgreSQL's ``websearch_to_tsquery``): words are all required, ``"a phrase"``
keeps words together and in order, ``-word`` excludes, ``or`` between words accepts
either. Stemming and accent folding apply to each word ("Cafés" finds "cafe").

With ``prefix`` the last word may be incomplete (type-ahead): ``moun`` finds
"mountain". It is matched both stemmed and as typed, so "mountains" still finds
"mountain" whose stem is shorter than the typed word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db.models import BooleanField, Expression

CONFIG = "lumina"
SIMPLE_CONFIG = "lumina_simple"
MAX_LENGTH = 500

_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_WORD_PARTS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # for websearch_to_tsquery; may be empty
    prefix: str  # the incomplete last word, cleaned; may be empty


def parse(q: str, *, prefix: bool) -> ParsedQuery:
    q = q[:MAX_LENGTH]
    if not prefix or not q or q[-1].isspace():
        return ParsedQuery(q.strip(), "")
    tokens = _TOKEN.findall(q)
    last = tokens[-1] if tokens else ""
    if not last or last.startswith(('"', "-")) or last.lower() == "or" or q.count('"') % 2:
        return ParsedQuery(q.strip(), "")
    parts = _WORD_PARTS.findall(last)
    if not parts:
        return ParsedQuery(q.strip(), "")
    head = q[: q.rfind(last)] + " ".join(parts[:-1])
    return ParsedQuery(head.strip(), parts[-1][:64])


def build_tsquery(q: str, *, prefix: bool = False) -> SearchQuery | None:
    """The tsquery for ``q`` (None when nothing searchable is left)."""
    parsed = parse(q, prefix=prefix)
    query: SearchQuery | None = None
    if parsed.text:
        query = SearchQuery(parsed.text, search_type="websearch", config=CONFIG)
    if parsed.prefix:
        # The word holds letters and digits only, so it is safe inside quotes.
        lexeme = f"'{parsed.prefix}':*"
        starts = SearchQuery(lexeme, search_type="raw", config=CONFIG) | SearchQuery(
            lexeme, search_type="raw", config=SIMPLE_CONFIG
        )
        query = starts if query is None else query & starts
    return query


def plain_words(q: str) -> list[str]:
    """The words a typo correction may replace: not in quotes, not excluded, not
    the ``or`` operator."""
    words: list[str] = []
    for token in _TOKEN.findall(q[:MAX_LENGTH]):
        if token.startswith(('"', "-")) or token.lower() == "or":
            continue
        words.extend(w for w in _WORD_PARTS.findall(token) if not w.isdigit())
    return words[:10]


def replace_words(q: str, replacements: dict[str, str]) -> str:
    """``q`` with whole plain words replaced (quoted phrases and exclusions kept)."""
    q = q[:MAX_LENGTH]
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(q):
        out.append(q[position : match.start()])
        token, position = match.group(0), match.end()
        if token.startswith(('"', "-")) or token.lower() == "or":
            out.append(token)
        else:
            out.append(_WORD_PARTS.sub(lambda w: replacements.get(w.group(0), w.group(0)), token))
    out.append(q[position:])
    return "".join(out)


class Matches(Expression):
    """``vector @@ query``, on whatever alias the document table has in the query
    (also inside a subquery)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, query: SearchQuery) -> None:
        super().__init__()
        self.query = query

    def get_source_expressions(self) -> Any:
        return [self.query]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.query,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.query)
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.vector @@ ({sql})", tuple(params)


class DocSQL(Expression):
    """A boolean SQL condition on the search document, written with ``{doc}`` for its
    table: the alias is filled in when compiled, so the condition also holds inside a
    subquery (where Django renames the table). Values go in ``params`` only."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, template: str, params: list[Any]) -> None:
        super().__init__()
        self.template = template
        self.params = list(params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return self.template.format(doc=table), tuple(self.params)
