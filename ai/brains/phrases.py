"""What the local brain says, in French and English, and how it says amounts and dates aloud."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

# A question about this evening ("vous fermez à quelle heure ce soir ?"), asked at any hour.
TONIGHT = re.compile(r"\b(ce soir|cette nuit|le soir|tonight|this evening|in the evening)\b")

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}
DAYS = {
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
}

P: dict[str, dict[str, str]] = {
    "fr": {
        "diet_is_yes": "{item} : oui, c'est {tag}.",
        "diet_is_no": "{item} : non, ce n'est pas {tag}.",
        "diet_is_unknown": "{item} : je ne sais pas si c'est {tag}, je peux demander à l'équipe.",
        "diet_contains_yes": "{item} : oui, il y a {allergen}.",
        "diet_contains_no": "{item} : non, {no}.",
        "diet_contains_unknown": "{item} : je ne sais pas s'il y a {allergen}, je peux demander à l'équipe.",
        "diet_unknown_item": "Je ne trouve pas ce plat sur la carte.",
        "diet_tagged": "En {tag}, nous avons",
        "diet_without": "Sans {allergen}, nous avons",
        "diet_with": "Avec {allergen}, il y a",
        "diet_none": "Je n'ai aucun plat dont je sois sûr.",
        "diet_one_unknown": "Pour un autre plat, je ne sais pas : je peux demander à l'équipe.",
        "diet_some_unknown": "Pour {count} autres, je ne sais pas : je peux demander à l'équipe.",
        "added": "C'est noté : {items}.",
        "anything_else": "Autre chose ?",
        "which_size": "Quelle taille pour {item} : {options} ?",
        "unknown_item": "Désolé, nous n'avons pas de {item}.",
        "suggest": "Nous avons par exemple {items}.",
        "out_of_stock": "Désolé, {item} n'est plus disponible aujourd'hui.",
        "instead": "Je peux vous proposer {items}.",
        "closed_now": "Nous sommes fermés pour le moment. Nous rouvrons {when}.",
        "closed_long": "Nous sommes fermés pour le moment.",
        "upsell": "Souhaitez-vous ajouter {what} ?",
        "upsell_drink": "une boisson",
        "upsell_dessert": "un dessert",
        "upsell_list": "Nous avons {items}. Lequel vous ferait plaisir ?",
        "delivery_q": "À emporter ou en livraison ?",
        "address_q": "À quelle adresse faut-il livrer ?",
        "no_delivery": "Nous ne livrons pas, mais vous pouvez passer la chercher.",
        "readback": "Je récapitule : {items}{mode}. Le total est de {total}. Je confirme la commande ?",
        "mode_delivery": ", en livraison au {address}",
        "mode_takeaway": ", à emporter",
        "mode_dine_in": ", sur place",
        "order_done": "C'est confirmé, votre commande numéro {number} est enregistrée, pour {total}. "
        "Puis-je faire autre chose pour vous ?",
        "empty_cart": "Votre commande est vide pour l'instant. Que souhaitez-vous ?",
        "what_change": "D'accord, que souhaitez-vous changer ?",
        "removed": "J'ai retiré {item}.",
        "updated": "C'est modifié : {item}.",
        "check_quantity": "Vous avez bien dit {quantity} {item} ?",
        "how_many": "Combien de {item} voulez-vous ?",
        "too_many": "Je ne peux pas prendre plus de {max} {item} par téléphone. Combien en voulez-vous ?",
        "unknown_option_noted": "Je n'ai pas de {option} au menu pour {item} : je le note pour la cuisine.",
        "which_line": "{quantity} de quoi : {lines} ?",
        "which_line_note": "« {note} », pour lequel : {lines} ?",
        "not_in_order": "{item} n'est pas dans votre commande.",
        "cart_is": "Pour l'instant vous avez {items}, pour {total}.",
        "party_q": "Pour combien de personnes ?",
        "when_q": "Pour quel jour et à quelle heure ?",
        "time_q": "À quelle heure ?",
        "date_q": "Pour quel jour ?",
        "name_q": "À quel nom ?",
        "slots_on": "Pour {day}, je peux vous proposer {times}.",
        "no_slot_day": "Désolé, plus rien de libre pour {day}.",
        "res_readback": "Je récapitule : une table pour {party}, {when}, au nom de {name}. Je confirme ?",
        "res_done": "C'est réservé : une table pour {party}, {when}. À bientôt !",
        "svc_q": "Quelle prestation souhaitez-vous : {options} ?",
        "svc_readback": "Je récapitule : {service}{with_}, {when}, au nom de {name}. Je confirme ?",
        "svc_with": " avec {who}",
        "svc_done": "C'est réservé : {service}{with_}, {when}. À bientôt !",
        "field_q": "Pour {service}, pouvez-vous me dire : {field}{choices} ?",
        "problem_q": "Pouvez-vous me décrire brièvement votre besoin ?",
        "pref_q": "Avez-vous une préférence de jour et d'heure pour le rendez-vous ?",
        "consult_readback": "Je récapitule : {what} pour « {problem} »{pref}, "
        "au nom de {name}. Je l'enregistre ?",
        "consult_pref": ", de préférence {when}",
        "consult_done": "C'est enregistré{sched}. Le cabinet vous recontacte pour confirmer. Autre chose ?",
        "consult_sched": ", rendez-vous {when}",
        "past": "Cet horaire est déjà passé.",
        "closed_day": "Nous sommes fermés ce jour-là.",
        "closed_weekly": "Nous sommes fermés le {weekday}.",
        "closed_on": "Nous sommes fermés le {day}{why}.",
        "reopens": "Nous rouvrons le {when}.",
        "holiday_unknown": "Le {day}, c'est {holiday} : je dois vérifier auprès de l'équipe si nous "
        "sommes ouverts, je préfère ne pas vous répondre au hasard.",
        "open_on": "Le {day}, nous sommes ouverts : {hours}.",
        "special_on": "Le {day}, horaires exceptionnels{why} : {hours}.",
        "past_day": "Le {day} est déjà passé.",
        "closed_hours": "Nous ne prenons pas de réservation à cette heure-là{last}.",
        "last_slot": " : nous fermons à {closes}, le dernier créneau est à {last}",
        "full": "C'est complet à cette heure-là.",
        "too_soon": "C'est un peu trop tôt pour réserver ce créneau.",
        "too_far": "C'est trop loin dans le temps pour réserver.",
        "party_too_large": "Nos tables vont jusqu'à {max} personnes ; pour un groupe, je vous passe un collègue ?",
        "not_bookable": "Ce n'est pas possible de réserver cela par téléphone.",
        "alternatives": "Je peux vous proposer {slots}. Cela vous convient ?",
        "bookings_none": "Je ne trouve aucune réservation à venir à votre numéro.",
        "bookings_one": "Vous avez {what}.",
        "bookings_many": "Vous avez {count} réservations : {what}. Laquelle ?",
        "cancel_q": "Voulez-vous l'annuler ?",
        "move_q": "Pour quand voulez-vous la déplacer ?",
        "cancelled": "C'est annulé. Autre chose ?",
        "moved": "C'est déplacé {when}. Autre chose ?",
        "keep": "Très bien, je ne change rien. Autre chose ?",
        "complaint_q": "Je suis désolé. Pouvez-vous me dire ce qui s'est passé ?",
        "complaint_done": "Je suis vraiment désolé. J'ai transmis votre réclamation au responsable, "
        "qui vous recontactera rapidement.",
        "complaint_urgent": "Je suis vraiment désolé. C'est transmis en urgence au responsable.",
        "hours": "Nos horaires : {hours}.",
        "open_now": "Nous sommes ouverts en ce moment, jusqu'à {closes}.",
        "then_again": ", puis de nouveau de {opens} à {closes}",
        "tonight": "Ce soir, nous sommes ouverts de {opens} à {closes}.",
        "closed_tonight": "Ce soir, nous sommes fermés.",
        "closed_now_short": "Nous sommes fermés en ce moment ; nous rouvrons {when}.",
        "address": "Nous sommes au {address}.",
        "delivery_yes": "Oui, nous livrons.",
        "delivery_no": "Non, nous ne livrons pas, mais vous pouvez passer chercher votre commande.",
        "price": "{item} : {price}.",
        "price_sizes": "{item} : {sizes}.",
        "menu": "En {category}, nous avons {items}.",
        "menu_cats": "Nous avons {cats}. Qu'est-ce qui vous ferait plaisir ?",
        "services": "Nous proposons {items}.",
        "transfer": "Je vous passe un collègue, ne quittez pas.",
        "offer_human": "Je ne suis pas sûr de bien comprendre. Voulez-vous que je vous passe un collègue ?",
        "reprompt": "Pardon, je n'ai pas bien compris. Pouvez-vous reformuler ?",
        "reprompt_order": "Pardon, je n'ai pas compris. Vous pouvez commander, réserver ou poser une question.",
        "goodbye": "Merci de votre appel, à bientôt !",
        "unconfirmed": "Votre commande n'est pas encore confirmée.",
        "welcome": "Avec plaisir. Autre chose ?",
        "how_help": "Que puis-je faire pour vous ?",
        "left_out": "D'accord, je laisse de côté : {items}.",
        "usual_added": "Comme d'habitude : {items}.",
        "no_usual": "Je ne retrouve pas de commande précédente à votre numéro.",
        "paused": "Je vous passe un collègue.",
        "no_orders": "Nous ne prenons pas de commandes par téléphone.",
        "open_again": "Il me faut juste une précision : {asked}",
        "time_pick": "Quelle heure vous conviendrait : {times} ?",
        "time_open": "Quelle heure vous conviendrait ?",
        "angry": "Je comprends votre colère et je suis vraiment désolé ; je prends cela très au sérieux.",
        "angry_what": "Pouvez-vous me dire ce qui s'est passé ?",
        "angry_done": "C'est transmis en urgence au responsable, qui vous recontactera rapidement.",
        "angry_offer": "Voulez-vous que je vous passe quelqu'un tout de suite ?",
        "consult_what": "une demande de consultation",
        "consult_what_urgent": "une demande de consultation urgente",
        "urgent_offer": "Je comprends, c'est urgent{about} : je le note en priorité. "
        "Voulez-vous que je vous passe quelqu'un du cabinet tout de suite ?",
        "urgent_transfer": "C'est noté en urgence{about}. Je vous passe quelqu'un tout de suite, "
        "ne quittez pas.",
        "and": "et",
        "or": "ou",
        "hours_closed": "fermé",
        "hours_days_range": "du {first} au {last}",
        "hours_line": "{days} : {hours}",
    },
    "en": {
        "diet_is_yes": "Yes, {item} is {tag}.",
        "diet_is_no": "No, {item} is not {tag}.",
        "diet_is_unknown": "I don't know whether {item} is {tag}; I can ask the team.",
        "diet_contains_yes": "Yes, {item} contains {allergen}.",
        "diet_contains_no": "No, {item} has {no}.",
        "diet_contains_unknown": "I don't know whether {item} contains {allergen}; I can ask the team.",
        "diet_unknown_item": "I can't find that item on the menu.",
        "diet_tagged": "Our {tag} items:",
        "diet_without": "Without {allergen}, we have",
        "diet_with": "With {allergen}:",
        "diet_none": "I have no item I can be sure of.",
        "diet_one_unknown": "For one other dish I don't know; I can ask the team.",
        "diet_some_unknown": "For {count} others I don't know; I can ask the team.",
        "added": "Got it: {items}.",
        "anything_else": "Anything else?",
        "which_size": "Which size for the {item}: {options}?",
        "unknown_item": "Sorry, we don't have {item}.",
        "suggest": "We have for example {items}.",
        "out_of_stock": "Sorry, {item} is not available today.",
        "instead": "I can offer {items} instead.",
        "closed_now": "We're closed at the moment. We open again {when}.",
        "closed_long": "We're closed at the moment.",
        "upsell": "Would you like to add {what}?",
        "upsell_drink": "a drink",
        "upsell_dessert": "a dessert",
        "upsell_list": "We have {items}. Which one would you like?",
        "delivery_q": "Is that for pick-up or delivery?",
        "address_q": "What's the delivery address?",
        "no_delivery": "We don't deliver, but you can pick it up.",
        "readback": "Let me read that back: {items}{mode}. The total is {total}. Shall I confirm the order?",
        "mode_delivery": ", delivered to {address}",
        "mode_takeaway": ", for pick-up",
        "mode_dine_in": ", to eat in",
        "order_done": "Confirmed, your order number {number} is in, for {total}. Anything else I can do for you?",
        "empty_cart": "Your order is empty so far. What would you like?",
        "what_change": "Sure, what would you like to change?",
        "removed": "I've removed the {item}.",
        "updated": "Changed: {item}.",
        "check_quantity": "Just to be sure, did you say {quantity} {item}?",
        "how_many": "How many {item} would you like?",
        "too_many": "I can take at most {max} {item} by phone. How many would you like?",
        "unknown_option_noted": "I don't have {option} on the menu for the {item}: I've noted it for the kitchen.",
        "which_line": "{quantity} of which: {lines}?",
        "which_line_note": '"{note}" for which one: {lines}?',
        "not_in_order": "{item} isn't in your order.",
        "cart_is": "So far you have {items}, for {total}.",
        "party_q": "For how many people?",
        "when_q": "For which day and what time?",
        "time_q": "At what time?",
        "date_q": "For which day?",
        "name_q": "Under what name?",
        "slots_on": "For {day}, I can offer {times}.",
        "no_slot_day": "Sorry, nothing is free for {day}.",
        "res_readback": "Let me confirm: a table for {party}, {when}, under the name {name}. Shall I book it?",
        "res_done": "You're booked: a table for {party}, {when}. See you soon!",
        "svc_q": "Which service would you like: {options}?",
        "svc_readback": "Let me confirm: {service}{with_}, {when}, under the name {name}. Shall I book it?",
        "svc_with": " with {who}",
        "svc_done": "You're booked: {service}{with_}, {when}. See you soon!",
        "field_q": "For the {service}, could you tell me the {field}{choices}?",
        "problem_q": "Could you briefly describe what you need?",
        "pref_q": "Do you have a preferred day and time for the appointment?",
        "consult_readback": "Let me confirm: {what} about “{problem}”{pref}, "
        "under the name {name}. Shall I record it?",
        "consult_pref": ", preferably {when}",
        "consult_done": "It's recorded{sched}. The office will call you back to confirm. Anything else?",
        "consult_sched": ", appointment {when}",
        "past": "That time has already passed.",
        "closed_day": "We're closed that day.",
        "closed_weekly": "We're closed on {weekday}s.",
        "closed_on": "We're closed on {day}{why}.",
        "reopens": "We open again on {when}.",
        "holiday_unknown": "{day} is {holiday}: I need to check with the team whether we're open; "
        "I'd rather not guess.",
        "open_on": "On {day} we're open: {hours}.",
        "special_on": "On {day} we have special hours{why}: {hours}.",
        "past_day": "{day} has already gone by.",
        "closed_hours": "We don't take bookings at that time{last}.",
        "last_slot": ": we close at {closes}, the last slot is at {last}",
        "full": "We're fully booked at that time.",
        "too_soon": "That's a little too soon to book.",
        "too_far": "That's too far ahead to book.",
        "party_too_large": "Our tables seat up to {max}; for a group, shall I put you through to a colleague?",
        "not_bookable": "That can't be booked over the phone.",
        "alternatives": "I can offer {slots}. Would that work?",
        "bookings_none": "I can't find any upcoming booking for your number.",
        "bookings_one": "You have {what}.",
        "bookings_many": "You have {count} bookings: {what}. Which one?",
        "cancel_q": "Would you like to cancel it?",
        "move_q": "When would you like to move it to?",
        "cancelled": "It's cancelled. Anything else?",
        "moved": "It's moved to {when}. Anything else?",
        "keep": "All right, I'll leave it as it is. Anything else?",
        "complaint_q": "I'm sorry to hear that. Could you tell me what happened?",
        "complaint_done": "I'm really sorry. I've passed your complaint to the manager, who will get back to you "
        "shortly.",
        "complaint_urgent": "I'm really sorry. I've flagged this as urgent for the manager.",
        "hours": "Our opening hours: {hours}.",
        "open_now": "We're open right now, until {closes}.",
        "then_again": ", then again from {opens} to {closes}",
        "tonight": "Tonight we're open from {opens} to {closes}.",
        "closed_tonight": "We're closed tonight.",
        "closed_now_short": "We're closed right now; we open again {when}.",
        "address": "We're at {address}.",
        "delivery_yes": "Yes, we deliver.",
        "delivery_no": "No, we don't deliver, but you can pick up your order.",
        "price": "The {item} is {price}.",
        "price_sizes": "The {item}: {sizes}.",
        "menu": "For {category}, we have {items}.",
        "menu_cats": "We have {cats}. What would you like?",
        "services": "We offer {items}.",
        "transfer": "I'm putting you through to a colleague, please hold.",
        "offer_human": "I'm not sure I understand. Would you like me to put you through to a colleague?",
        "reprompt": "Sorry, I didn't catch that. Could you say it another way?",
        "reprompt_order": "Sorry, I didn't get that. You can place an order, book, or ask a question.",
        "goodbye": "Thank you for calling, goodbye!",
        "unconfirmed": "Your order isn't confirmed yet.",
        "welcome": "You're welcome. Anything else?",
        "how_help": "How can I help you?",
        "left_out": "All right, I'll leave out {items}.",
        "usual_added": "The usual: {items}.",
        "no_usual": "I can't find a previous order for your number.",
        "paused": "Let me put you through to a colleague.",
        "no_orders": "We don't take orders over the phone.",
        "open_again": "I just need one detail: {asked}",
        "time_pick": "Which time would suit you: {times}?",
        "time_open": "What time would suit you?",
        "angry": "I understand you're upset, and I'm really sorry; I'm taking this very seriously.",
        "angry_what": "Could you tell me what happened?",
        "angry_done": "I've flagged it as urgent for the manager, who will get back to you shortly.",
        "angry_offer": "Would you like me to put you through to someone right now?",
        "consult_what": "a consultation request",
        "consult_what_urgent": "an urgent consultation request",
        "urgent_offer": "I understand, it's urgent{about}: I'm marking it as a priority. "
        "Would you like me to put you through to someone at the office right now?",
        "urgent_transfer": "I've flagged it as urgent{about}. I'm putting you through to someone now, "
        "please hold.",
        "and": "and",
        "or": "or",
        "hours_closed": "closed",
        "hours_days_range": "{first} to {last}",
        "hours_line": "{days}: {hours}",
    },
}

# Size names we know in both languages, said in the caller's: the pizzeria's "grande" is "large" to
# an English caller. A French word for an English size names the format, whatever the gender.
SIZE_NAMES = {
    "en": {"petite": "small", "petit": "small", "moyenne": "medium", "moyen": "medium", "grande": "large",
           "grand": "large", "familiale": "family size"},
    "fr": {"small": "petit format", "medium": "format moyen", "large": "grand format",
           "regular": "format normal"},
}  # fmt: skip


def say(lang: str, key: str, **values: object) -> str:
    table = P.get(lang, P["fr"])
    return table[key].format(**values)


def money(amount: Decimal | str, lang: str) -> str:
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    if lang == "fr":
        text = f"{value:.2f}".replace(".", ",").removesuffix(",00")
        return f"{text} euro" + ("s" if value >= 2 else "")
    return "€" + f"{value:.2f}".removesuffix(".00")


def join(items: list[str], lang: str, word: str = "and") -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {P[lang][word]} " + items[-1]


def clock(at: datetime | str, lang: str) -> str:
    if isinstance(at, str):
        hours, minutes = (int(x) for x in at.split(":")[:2])
    else:
        hours, minutes = at.hour, at.minute
    if lang == "fr":
        return f"{hours} h" + (f" {minutes:02d}" if minutes else "")
    suffix = "am" if hours < 12 else "pm"
    h12 = hours % 12 or 12
    return f"{h12}{':' + format(minutes, '02d') if minutes else ''} {suffix}"


def day_name(d: date, lang: str, today: date | None = None) -> str:
    if today is not None:
        delta = (d - today).days
        if delta == 0:
            return "aujourd'hui" if lang == "fr" else "today"
        if delta == 1:
            return "demain" if lang == "fr" else "tomorrow"
    if lang == "fr":
        return f"{DAYS['fr'][d.weekday()]} {d.day} {MONTHS['fr'][d.month - 1]}"
    return f"{DAYS['en'][d.weekday()]} {d.day} {MONTHS['en'][d.month - 1]}"


def hours_lines(week: list[list[tuple[time, time]]], lang: str) -> list[str]:
    """One line per run of days with the same hours, Monday first, from the store's regular week
    (stores.availability.weekly_hours): "du mardi au samedi : 11:30–14:30, 18:30–23:00", "Sunday
    and Monday: closed"."""
    lang = "fr" if lang.lower().startswith("fr") else "en"
    names = DAYS[lang]
    texts = [", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in spans) or P[lang]["hours_closed"] for spans in week]
    lines, first = [], 0
    while first < 7:
        last = first
        while last + 1 < 7 and texts[last + 1] == texts[first]:
            last += 1
        if last == first:
            label = names[first]
        elif last == first + 1:
            label = f"{names[first]} {P[lang]['and']} {names[last]}"
        else:
            label = say(lang, "hours_days_range", first=names[first], last=names[last])
        lines.append(say(lang, "hours_line", days=label, hours=texts[first]))
        first = last + 1
    return lines


def when(at: datetime, lang: str, today: date | None = None) -> str:
    joiner = " à " if lang == "fr" else " at "
    return day_name(at.date(), lang, today) + joiner + clock(at, lang)


def line_words(line: dict, lang: str = "fr") -> str:
    """One order line as said aloud: "2 Regina grande jambon (bien cuite)", "1 large Pepperoni".
    Sizes we know are said in the caller's language (English puts them before the name); the
    kitchen note is read back too, so the caller hears everything the kitchen will see."""
    raw = [str(o) for o in line.get("options") or []]
    said = [size_name(o, lang).lower() for o in raw]
    ahead = [o for o, r in zip(said, raw, strict=True) if lang == "en" and o != r.lower()]
    options = " ".join(o for o in said if o not in ahead)
    text = f"{line['quantity']} " + " ".join([*ahead, line["name"]]) + (f" {options}" if options else "")
    return text + (f" ({line['notes']})" if line.get("notes") else "")


def later_today(info: dict, lang: str) -> str:
    """ ", then again from 6:30 pm to 11 pm": the rest of today after the closing just said."""
    again = P.get(lang, P["fr"])["then_again"]
    periods = info.get("later_today") or []
    return "".join(
        again.format(opens=clock(p["opens"], lang), closes=clock(p["closes"], lang)) for p in periods
    )


def size_name(value: str, lang: str) -> str:
    """A size (or any option) as the caller's language says it; names we do not know stay as
    the owner wrote them."""
    return SIZE_NAMES.get(lang, {}).get(value.strip().lower(), value)
