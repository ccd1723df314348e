"""Party sizes, names and phone numbers in what callers say."""

from __future__ import annotations

import pytest

from ai.nlu.people import parse_name, parse_party_size, parse_phone


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("pour 4 personnes", 4), ("pour quatre", 4), ("nous serons six", 6), ("on sera 3", 3),
        ("on sera à 4", 4), ("une table de 2", 2), ("table pour 6 vers 20h", 6), ("pour 2 à 20h", 2),
        ("une table pour deux demain à 20h", 2), ("une table pour une personne", 1), ("pour un couple", 2),
        ("deux adultes et deux enfants", 4), ("nous serons 4 et 2 enfants", 6), ("4 personnes dont 2 enfants", 4),
        ("moi et ma femme", 2), ("ma femme et moi et nos deux enfants", 4), ("juste moi", 1),
        ("une dizaine de personnes", 10), ("je voudrais réserver pour 4 le 12", 4),
        ("Je voudrais réserver une table pour 4 personnes le 12 décembre à 20h", 4),
        ("table for two", 2), ("for 4 people", 4), ("for two", 2), ("we are five", 5), ("we're five", 5),
        ("there will be 3 of us", 3), ("a party of 8", 8), ("just me", 1), ("a table for two tonight at 8", 2),
        ("reservation for 10 on friday", 10), ("a table for a couple", 2), ("make it eight people then", 8),
        ("I'd like a table for 2 people on December 8 at 7:30 pm", 2), ("two adults and a child", 3),
    ],
)  # fmt: skip
def test_party_size(text, size):
    assert parse_party_size(text) == size, text


@pytest.mark.parametrize(
    "text",
    [
        "à 8 heures", "le 12", "for 8 pm", "pour demain", "une margherita", "pour deux pizzas", "pour 20 heures",
        "pour 20h", "un seul coca", "deux", "pour une pizza", "for a pizza", "c'est pour une réservation",
        "can I talk to a person please", "deux enfants", "", "at 8 for dinner",
    ],
)  # fmt: skip
def test_no_party_size(text):
    assert parse_party_size(text) is None, text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("je m'appelle Jean Dupont", "Jean Dupont"), ("c'est Marie", "Marie"), ("au nom de Martin", "Martin"),
        ("au nom de Hélène et pour 4", "Hélène"), ("au nom d'Alice", "Alice"), ("mon nom est Dupont", "Dupont"),
        ("moi c'est Karim", "Karim"), ("c est marie", "Marie"), ("je m'appelle euh Paul", "Paul"),
        ("sous le nom de Durand pour 4 personnes à 20h", "Durand"), ("je m'appelle MARTIN", "Martin"),
        ("je m'appelle jean-pierre", "Jean-Pierre"), ("je m'appelle Jean de La Fontaine", "Jean de La Fontaine"),
        ("Bonjour, c'est Hélène Côté.", "Hélène Côté"), ("c'est Madame Martin", "Madame Martin"),
        ("je m'appelle D U P O N T", "Dupont"), ("c'est Marie qui appelle", "Marie"),
        ("je voudrais réserver pour deux ce samedi midi au nom de Martin", "Martin"),
        ("my name is John Smith", "John Smith"), ("it's Sarah", "Sarah"), ("under the name of Lee", "Lee"),
        ("this is Tom calling", "Tom"), ("the name is Jones please", "Jones"), ("my name is O'Brien", "O'Brien"),
        ("reservation under Smith", "Smith"), ("I'm John", "John"), ("my name is Ben", "Ben"),
        ("I'd like a table for 5 people next Friday at 8pm, my name is Olivia Brown", "Olivia Brown"),
        ("je m'appelle Jean Dupont et je voudrais réserver une table pour 2", "Jean Dupont"),
    ],
)  # fmt: skip
def test_names(text, name):
    assert parse_name(text) == name, text


@pytest.mark.parametrize(
    "text",
    [
        "c'est bon", "c'est parfait merci", "c'est pour une réservation", "oui", "c'est vraiment trop froid",
        "c'est noté", "c'est fermé", "c'est la pizza", "it's cold", "this is ridiculous", "it's too late",
        "this is great", "I'm hungry", "je suis allergique", "I'm calling about my order", "under 10 euros",
        "my name is not important", "c'est combien", "it's for tomorrow", "Martin", "",
    ],
)  # fmt: skip
def test_no_names(text):
    assert parse_name(text) is None, text


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("c'est le 06 12 34 56 78", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"), ("06.12.34.56.78", "+33612345678"), ("06-12-34-56-78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"), ("0033 6 12 34 56 78", "+33612345678"),
        ("mon numéro c'est le 01 23 45 67 89 merci", "+33123456789"),
        ("zéro six douze trente quatre cinquante six soixante dix huit", "+33612345678"),
        ("zero six un deux trois quatre cinq six sept huit", "+33612345678"),
        ("plus trente trois six douze trente quatre cinquante six soixante dix huit", "+33612345678"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)  # fmt: skip
def test_phone(text, number):
    assert parse_phone(text) == number, text


@pytest.mark.parametrize(
    "text", ["deux pizzas", "le 12/12 à 20h30", "pour 4 personnes", "12 34 56", "06 12 34 56", "00 00 00 00 00", ""]
)
def test_no_phone(text):
    assert parse_phone(text) is None, text
