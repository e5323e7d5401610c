"""Who may buy a half-price ticket (meia-entrada), and how the documents name each category in Portuguese.

Lei 12.933/2013 reserves at least 40% of the tickets for half price to part of these (Decreto 8.537/2015
art. 12): students, low-income youth, people with disability and their companion. The elderly (Estatuto do
Idoso, art. 23) and teachers (state laws) have the right outside that quota."""

from __future__ import annotations

from typing import Literal, get_args

HalfCategory = Literal[
    "student", "youth_low_income", "disability", "disability_companion", "elderly", "teacher"
]
HALF_CATEGORIES: tuple[str, ...] = get_args(HalfCategory)
QUOTA_CATEGORIES = frozenset({"student", "youth_low_income", "disability", "disability_companion"})

NAMES_PT_BR = {
    "student": "estudante",
    "youth_low_income": "jovem de baixa renda (ID Jovem)",
    "disability": "pessoa com deficiência",
    "disability_companion": "acompanhante de pessoa com deficiência",
    "elderly": "idoso",
    "teacher": "professor",
}
