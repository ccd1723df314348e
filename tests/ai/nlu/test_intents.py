"""Intents, language, complaint categories and urgency on what callers say (FR and EN)."""

from __future__ import annotations

import pytest

from ai.nlu.complaints import complaint_category, urgency
from ai.nlu.intents import INTENTS, classify, is_no, is_yes
from ai.nlu.language import detect_language

CASES = [
    # order
    ("je voudrais commander", "order"), ("je vais prendre une regina", "order"), ("je veux une pizza", "order"),
    ("mettez-moi deux margherita", "order"), ("d'accord je vais en prendre une grande", "order"),
    ("il nous faudrait trois pepperoni", "order"), ("i'd like to order", "order"), ("can I get a coke", "order"),
    ("i'll have two pizzas", "order"), ("I'd also like a coke please", "order"), ("ajoutez une eau pétillante", "order"),
    # modify_order
    ("changez la margherita en grande", "modify_order"), ("en fait mettez les margherita en grande", "modify_order"),
    ("plutôt trois penne finalement", "modify_order"), ("make it a large", "modify_order"),
    ("actually make that two cokes", "modify_order"), ("swap the coke for a lemonade", "modify_order"),
    # cancel_item
    ("enlevez le coca", "cancel_item"), ("finalement pas de dessert", "cancel_item"),
    ("remove the coke", "cancel_item"), ("actually, take off the panna cotta", "cancel_item"),
    # reservation
    ("je voudrais réserver une table", "reservation"), ("réserver pour deux ce soir", "reservation"),
    ("c'est pour une réservation", "reservation"), ("book a table for tonight", "reservation"),
    ("a table for 3 tomorrow please", "reservation"),
    # service_booking
    ("prendre rendez-vous pour une coupe", "service_booking"), ("je voudrais un brushing samedi", "service_booking"),
    ("book a haircut appointment", "service_booking"), ("I'd like to make an appointment for Monday", "service_booking"),
    # consultation
    ("j'aurais besoin d'un conseil", "consultation"), ("c'est pour préparer ma retraite", "consultation"),
    ("I need advice about my taxes", "consultation"), ("the tax office froze my account", "consultation"),
    # my_bookings / cancel_booking / move_booking
    ("j'ai une réservation ce soir", "my_bookings"), ("do I have a booking", "my_bookings"),
    ("j'ai réservé pour samedi mais j'ai oublié l'heure", "my_bookings"), ("what time is my table", "my_bookings"),
    ("je voudrais annuler ma réservation", "cancel_booking"), ("cancel my appointment", "cancel_booking"),
    ("je ne pourrai pas venir demain", "cancel_booking"), ("je voudrais décaler mon rendez-vous", "move_booking"),
    ("déplacer ma réservation à 21h", "move_booking"), ("can I reschedule", "move_booking"),
    ("move my booking to friday", "move_booking"),
    # questions
    ("c'est combien la margherita", "question_price"), ("ça coûte combien", "question_price"),
    ("how much is the tiramisu", "question_price"), ("what are your prices", "question_price"),
    ("vous êtes ouverts ce soir", "question_hours"), ("quels sont vos horaires", "question_hours"),
    ("jusqu'à quelle heure vous êtes ouverts", "question_hours"), ("what time do you close", "question_hours"),
    ("what are your opening hours", "question_hours"), ("are you open on sunday", "question_hours"),
    ("où êtes-vous", "question_address"), ("c'est où exactement", "question_address"),
    ("what's your address", "question_address"), ("where are you located", "question_address"),
    ("vous livrez", "question_delivery"), ("est-ce que vous livrez à Villeurbanne", "question_delivery"),
    ("do you deliver", "question_delivery"), ("qu'est-ce que vous avez comme desserts", "question_menu"),
    ("c'est quoi la carte", "question_menu"), ("what's on the menu", "question_menu"),
    ("what do you have", "question_menu"), ("what services do you offer", "question_menu"),
    # complaint
    ("je veux me plaindre", "complaint"), ("la pizza était froide", "complaint"),
    ("elle était complètement brûlée", "complaint"), ("il manquait le tiramisu", "complaint"),
    ("ma commande n'est jamais arrivée", "complaint"), ("I want to make a complaint", "complaint"),
    ("my order never arrived", "complaint"), ("I was charged twice", "complaint"),
    ("the driver was really rude", "complaint"), ("you gave me a pepperoni instead", "complaint"),
    # human
    ("je veux parler à quelqu'un", "human"), ("je voudrais parler au responsable", "human"), ("un humain", "human"),
    ("parler directement à Maître Durand", "human"), ("can I speak to a person", "human"),
    ("I want the manager", "human"), ("can I talk to a real person please", "human"),
    ("I need to speak to Maître Durand", "human"), ("could I talk with Dr Martin", "human"),
    # goodbye / thanks / greeting
    ("au revoir", "goodbye"), ("merci au revoir", "goodbye"), ("bonne soirée", "goodbye"), ("bye", "goodbye"),
    ("je rappellerai plus tard", "goodbye"), ("have a nice day", "goodbye"), ("merci beaucoup", "thanks"),
    ("thanks a lot", "thanks"), ("bonjour", "greeting"), ("allô bonsoir", "greeting"), ("hi there", "greeting"),
    # yes / no
    ("oui", "yes"), ("ouais", "yes"), ("d'accord", "yes"), ("c'est bon", "yes"), ("parfait", "yes"),
    ("exactement", "yes"), ("euh oui", "yes"), ("mais oui bien sûr", "yes"), ("yes", "yes"), ("yeah", "yes"),
    ("sure", "yes"), ("correct", "yes"), ("that's right", "yes"), ("go ahead", "yes"), ("well yes please", "yes"),
    ("non", "no"), ("pas du tout", "no"), ("ah non", "no"), ("finalement non", "no"), ("no", "no"), ("nope", "no"),
    ("not really", "no"), ("no thanks", "no"),
    # done / repeat / usual
    ("c'est tout", "done"), ("ce sera tout", "done"), ("rien d'autre", "done"), ("that's all", "done"),
    ("nothing else", "done"), ("pardon ?", "repeat"), ("vous pouvez répéter", "repeat"),
    ("je n'ai pas compris", "repeat"), ("sorry?", "repeat"), ("come again", "repeat"),
    ("could you repeat that", "repeat"), ("comme d'habitude", "usual"),
    ("la même chose que la dernière fois", "usual"), ("the usual", "usual"), ("same as last time", "usual"),
    # small typos from typing callers
    ("je voudrais faire une reservaton", "reservation"), ("je voudrais comander", "order"),
    ("I'd like an appointement", "service_booking"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_intents(text, intent):
    scores = classify(text)
    assert scores.get(intent, 0) >= 0.5, (text, scores)


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("oui et ajoutez un coca", {"yes", "order"}),
        ("non c'est tout", {"no", "done"}),
        ("oui c'est tout", {"yes", "done"}),
        ("merci au revoir", {"thanks", "goodbye"}),
        ("oui comme d'habitude", {"yes", "usual"}),
        ("bonjour je voudrais commander une margherita", {"greeting", "order"}),
        ("no thanks that's all", {"no", "thanks", "done"}),
    ],
)
def test_several_intents(text, intents):
    scores = classify(text)
    assert {i for i, s in scores.items() if s >= 0.5} >= intents, (text, scores)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("je voudrais annuler ma réservation", "cancel_item"),  # a booking, not an item
        ("je voudrais annuler ma réservation", "reservation"),
        ("est-ce que vous livrez", "order"),
        ("je voudrais savoir vos horaires", "order"),  # asking, not ordering
        ("je veux parler à quelqu'un", "order"),
        ("no problem", "no"),
        ("pas de problème", "no"),
        ("no preference", "no"),
        ("good evening", "yes"),
        ("je serai un peu en retard", "complaint"),  # the caller is late, nothing to complain about
        ("je suis malade je dois annuler mon rendez-vous", "complaint"),
        ("ma commande n'est jamais arrivée", "order"),
        ("mon adresse c'est 8 rue Mercière", "question_address"),
        ("je sais que vous êtes fermés mais je voudrais un rendez-vous pour un conseil", "question_hours"),
        ("do you have a table for two", "question_menu"),
        ("talk to a person", "order"),
        ("comment ça marche pour commander en ligne et payer", "repeat"),
        ("what do you have for dessert", "repeat"),
        ("la pizza du chef", "question_price"),
        ("combien de temps pour la livraison", "question_price"),
        ("j'ai passé une bonne soirée", "complaint"),
        ("je passe retirer ma commande", "cancel_item"),
        ("qu'est-ce que vous me conseillez", "consultation"),
    ],
)
def test_not_this_intent(text, intent):
    scores = classify(text)
    assert scores.get(intent, 0) < 0.5, (text, scores)


@pytest.mark.parametrize("text", ["", "blablabla truc machin", "zorglub", "pizza margherita", "à emporter"])
def test_no_evidence(text):
    assert {i for i, s in classify(text).items() if s >= 0.5} <= {"order"}


def test_scores_are_known_intents_in_range():
    for text, _ in CASES:
        for intent, score in classify(text).items():
            assert intent in INTENTS and 0 < score <= 1


def test_finishing_is_not_refusing():
    scores = classify("non merci c'est tout")
    assert scores["done"] > scores["no"]


@pytest.mark.parametrize(
    ("text", "yes", "no"),
    [
        ("oui", True, False), ("oui bien sûr", True, False), ("yes please", True, False), ("ok", True, False),
        ("non merci", False, True), ("no", False, True), ("nope not really", False, True),
        ("non pas de problème", False, True), ("peut-être", False, False), ("pizza", False, False),
    ],
)  # fmt: skip
def test_yes_no(text, yes, no):
    assert (is_yes(text), is_no(text)) == (yes, no), (text, classify(text))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("je voudrais une pizza s'il vous plait", "fr"), ("I would like a pizza please", "en"), ("oui", "fr"),
        ("ok", "fr"), ("yes", "en"), ("non", "fr"), ("no", "en"), ("merci", "fr"), ("thanks", "en"),
        ("demain", "fr"), ("tomorrow", "en"), ("pizza", None), ("pizza margherita", None), ("", None),
        ("bonjour je voudrais réserver", "fr"), ("can I book a table for two", "en"),
        ("est-ce que vous livrez à Lyon", "fr"), ("what time do you close tonight", "en"),
        ("sorry do you speak English I'd like two pizzas", "en"), ("déjà", "fr"),
    ],
)  # fmt: skip
def test_language(text, lang):
    assert detect_language(text) == lang, text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("la pizza était froide", "quality"), ("elle était complètement brûlée", "quality"),
        ("my son had an allergic reaction", "quality"), ("the colour came out orange", "quality"),
        ("ma commande n'est jamais arrivée", "delay"), ("j'ai attendu plus d'une heure", "delay"),
        ("it's the third time my delivery is over an hour late", "delay"), ("il manquait le dessert", "missing_item"),
        ("you forgot my drink", "missing_item"), ("j'ai reçu la mauvaise commande", "wrong_order"),
        ("you gave me a pepperoni instead", "wrong_order"), ("the driver was rude", "staff"),
        ("votre livreur a été très impoli", "staff"), ("you charged me twice", "billing"),
        ("on m'a facturé deux rendez-vous", "billing"), ("there was a hair in my pasta", "hygiene"),
        ("j'ai trouvé un cheveu dans ma salade", "hygiene"), ("je ne suis pas content", "other"),
    ],
)  # fmt: skip
def test_complaint_category(text, category):
    assert complaint_category(text) == category, text


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("mon fils a fait une réaction allergique", "emergency"), ("toute la famille est malade", "emergency"),
        ("we were vomiting all night", "emergency"), ("it's an emergency", "emergency"),
        ("c'est inadmissible", "high"), ("this is absolutely unacceptable, I'm furious", "high"),
        ("c'est scandaleux", "high"), ("c'est urgent", "high"), ("I'm really upset", "high"),
        ("la pizza était froide", "normal"), ("the driver was rude", "normal"),
        ("petit souci, il manquait une serviette", "low"), ("ce n'est pas grave mais c'était tiède", "low"),
        ("just so you know the bread was a bit dry", "low"),
    ],
)  # fmt: skip
def test_urgency(text, level):
    assert urgency(text) == level, text
