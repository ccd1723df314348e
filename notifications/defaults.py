"""What every store starts with: its notification configurations and, for every action,
channel and language, the message used when the business has written none of its own.

Texts are plain: `{{ name }}` placeholders only (see notifications/actions.py for the names each
action offers). Webhooks have no template: they carry the event's data as JSON."""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import ActionType, Channel


@dataclass(frozen=True)
class DefaultConfig:
    action_type: str
    channel: str
    # "owner": the business owner's email; "": nobody (messages to the caller).
    to: str
    is_active: bool = True
    min_severity: str = "low"


DEFAULT_CONFIGS: tuple[DefaultConfig, ...] = (
    DefaultConfig(ActionType.NEW_ORDER, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.NEW_RESERVATION, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.NEW_BOOKING, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.NEW_CONSULTATION, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.COMPLAINT, Channel.EMAIL, "owner", min_severity="normal"),
    DefaultConfig(ActionType.MISSED_CALL, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.CALLBACK_TICKET, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.DAILY_DIGEST, Channel.EMAIL, "owner"),
    DefaultConfig(ActionType.CALL_SUMMARY, Channel.EMAIL, "owner", is_active=False),
    DefaultConfig(ActionType.CUSTOMER_CONFIRMATION, Channel.SMS, ""),
    DefaultConfig(ActionType.BOOKING_REMINDER, Channel.SMS, ""),
)


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


_FR, _EN = "fr", "en"
E, S = Channel.EMAIL, Channel.SMS

TEMPLATES: dict[tuple[str, str, str], Text] = {
    # --- new order ---
    (ActionType.NEW_ORDER, E, _FR): Text(
        "Nouvelle commande n°{{ order_number }} — {{ store_name }}",
        "Nouvelle commande n°{{ order_number }} de {{ customer_name }} ({{ customer_phone }}).\n\n"
        "{{ order_lines }}\n\nTotal : {{ total }}\nMode : {{ delivery_type }} {{ delivery_address }}\n"
        "Notes : {{ notes }}\n\nVoir l'appel : {{ call_link }}",
    ),
    (ActionType.NEW_ORDER, E, _EN): Text(
        "New order #{{ order_number }} — {{ store_name }}",
        "New order #{{ order_number }} from {{ customer_name }} ({{ customer_phone }}).\n\n"
        "{{ order_lines }}\n\nTotal: {{ total }}\nType: {{ delivery_type }} {{ delivery_address }}\n"
        "Notes: {{ notes }}\n\nSee the call: {{ call_link }}",
    ),
    (ActionType.NEW_ORDER, S, _FR): Text(
        "", "{{ store_name }} : commande n°{{ order_number }} de {{ customer_name }}, {{ total }}."
    ),
    (ActionType.NEW_ORDER, S, _EN): Text(
        "", "{{ store_name }}: order #{{ order_number }} from {{ customer_name }}, {{ total }}."
    ),
    # --- new reservation ---
    (ActionType.NEW_RESERVATION, E, _FR): Text(
        "Nouvelle réservation — {{ booking_time }}",
        "{{ customer_name }} ({{ customer_phone }}) a réservé pour {{ party_size }} personne(s) "
        "le {{ booking_time }}.\nNotes : {{ notes }}\n\nVoir l'appel : {{ call_link }}",
    ),
    (ActionType.NEW_RESERVATION, E, _EN): Text(
        "New reservation — {{ booking_time }}",
        "{{ customer_name }} ({{ customer_phone }}) booked a table for {{ party_size }} "
        "on {{ booking_time }}.\nNotes: {{ notes }}\n\nSee the call: {{ call_link }}",
    ),
    (ActionType.NEW_RESERVATION, S, _FR): Text(
        "",
        "{{ store_name }} : réservation de {{ customer_name }}, {{ party_size }} pers., {{ booking_time }}.",
    ),
    (ActionType.NEW_RESERVATION, S, _EN): Text(
        "",
        "{{ store_name }}: reservation by {{ customer_name }}, party of {{ party_size }}, "
        "{{ booking_time }}.",
    ),
    # --- new service booking ---
    (ActionType.NEW_BOOKING, E, _FR): Text(
        "Nouveau rendez-vous — {{ service_name }}, {{ booking_time }}",
        "{{ customer_name }} ({{ customer_phone }}) a pris rendez-vous : {{ service_name }} "
        "le {{ booking_time }} avec {{ staff_name }} ({{ price }}).\nNotes : {{ notes }}\n\n"
        "Voir l'appel : {{ call_link }}",
    ),
    (ActionType.NEW_BOOKING, E, _EN): Text(
        "New booking — {{ service_name }}, {{ booking_time }}",
        "{{ customer_name }} ({{ customer_phone }}) booked {{ service_name }} on {{ booking_time }} "
        "with {{ staff_name }} ({{ price }}).\nNotes: {{ notes }}\n\nSee the call: {{ call_link }}",
    ),
    (ActionType.NEW_BOOKING, S, _FR): Text(
        "", "{{ store_name }} : rendez-vous {{ service_name }} de {{ customer_name }}, {{ booking_time }}."
    ),
    (ActionType.NEW_BOOKING, S, _EN): Text(
        "", "{{ store_name }}: {{ service_name }} booked by {{ customer_name }}, {{ booking_time }}."
    ),
    # --- new consultation ---
    (ActionType.NEW_CONSULTATION, E, _FR): Text(
        "Demande de consultation — {{ customer_name }}",
        "{{ customer_name }} ({{ customer_phone }}) demande une consultation.\n\n"
        "Besoin : {{ problem }}\nUrgence : {{ urgency }}\nCréneau : {{ booking_time }}\n"
        "Notes : {{ notes }}\n\nVoir l'appel : {{ call_link }}",
    ),
    (ActionType.NEW_CONSULTATION, E, _EN): Text(
        "Consultation request — {{ customer_name }}",
        "{{ customer_name }} ({{ customer_phone }}) asks for a consultation.\n\n"
        "Needs: {{ problem }}\nUrgency: {{ urgency }}\nTime: {{ booking_time }}\n"
        "Notes: {{ notes }}\n\nSee the call: {{ call_link }}",
    ),
    (ActionType.NEW_CONSULTATION, S, _FR): Text(
        "", "{{ store_name }} : consultation demandée par {{ customer_name }} ({{ urgency }}) : {{ problem }}"
    ),
    (ActionType.NEW_CONSULTATION, S, _EN): Text(
        "", "{{ store_name }}: consultation requested by {{ customer_name }} ({{ urgency }}): {{ problem }}"
    ),
    # --- complaint ---
    (ActionType.COMPLAINT, E, _FR): Text(
        "Réclamation ({{ severity }}) — {{ customer_name }}",
        "{{ customer_name }} ({{ customer_phone }}) a fait une réclamation.\n\n"
        "Gravité : {{ severity }}\nSujet : {{ category }}\n« {{ description }} »\n"
        "Rappel nécessaire : {{ follow_up }}\n\nVoir l'appel : {{ call_link }}",
    ),
    (ActionType.COMPLAINT, E, _EN): Text(
        "Complaint ({{ severity }}) — {{ customer_name }}",
        "{{ customer_name }} ({{ customer_phone }}) made a complaint.\n\n"
        'Severity: {{ severity }}\nAbout: {{ category }}\n"{{ description }}"\n'
        "Call back needed: {{ follow_up }}\n\nSee the call: {{ call_link }}",
    ),
    (ActionType.COMPLAINT, S, _FR): Text(
        "", "{{ store_name }} : réclamation ({{ severity }}) de {{ customer_name }} {{ customer_phone }}."
    ),
    (ActionType.COMPLAINT, S, _EN): Text(
        "", "{{ store_name }}: complaint ({{ severity }}) from {{ customer_name }} {{ customer_phone }}."
    ),
    # --- missed call ---
    (ActionType.MISSED_CALL, E, _FR): Text(
        "Appel manqué — {{ customer_phone }}",
        "Appel manqué de {{ customer_name }} ({{ customer_phone }}) le {{ call_time }}.\n\n"
        "Voir l'appel : {{ call_link }}",
    ),
    (ActionType.MISSED_CALL, E, _EN): Text(
        "Missed call — {{ customer_phone }}",
        "Missed call from {{ customer_name }} ({{ customer_phone }}) on {{ call_time }}.\n\n"
        "See the call: {{ call_link }}",
    ),
    (ActionType.MISSED_CALL, S, _FR): Text(
        "", "{{ store_name }} : appel manqué de {{ customer_phone }} le {{ call_time }}."
    ),
    (ActionType.MISSED_CALL, S, _EN): Text(
        "", "{{ store_name }}: missed call from {{ customer_phone }} on {{ call_time }}."
    ),
    # --- call summary ---
    (ActionType.CALL_SUMMARY, E, _FR): Text(
        "Résumé d'appel — {{ customer_name }}",
        "Appel de {{ customer_name }} ({{ customer_phone }}) le {{ call_time }}, durée {{ duration }}.\n\n"
        "{{ summary }}\n\nRessenti : {{ sentiment }}\n\nVoir l'appel : {{ call_link }}",
    ),
    (ActionType.CALL_SUMMARY, E, _EN): Text(
        "Call summary — {{ customer_name }}",
        "Call from {{ customer_name }} ({{ customer_phone }}) on {{ call_time }}, {{ duration }}.\n\n"
        "{{ summary }}\n\nSentiment: {{ sentiment }}\n\nSee the call: {{ call_link }}",
    ),
    (ActionType.CALL_SUMMARY, S, _FR): Text(
        "", "{{ store_name }} : appel de {{ customer_name }}. {{ summary }}"
    ),
    (ActionType.CALL_SUMMARY, S, _EN): Text(
        "", "{{ store_name }}: call from {{ customer_name }}. {{ summary }}"
    ),
    # --- call-back ticket ---
    (ActionType.CALLBACK_TICKET, E, _FR): Text(
        "À rappeler — {{ customer_phone }}",
        "{{ customer_name }} ({{ customer_phone }}) attend votre rappel.\n\n"
        "Motif : {{ reason }}\nCe qui a été dit : {{ summary }}\nAppel du {{ call_time }}\n\n"
        "Voir l'appel : {{ call_link }}",
    ),
    (ActionType.CALLBACK_TICKET, E, _EN): Text(
        "Call back — {{ customer_phone }}",
        "{{ customer_name }} ({{ customer_phone }}) is waiting for your call.\n\n"
        "Reason: {{ reason }}\nWhat was said: {{ summary }}\nCalled on {{ call_time }}\n\n"
        "See the call: {{ call_link }}",
    ),
    (ActionType.CALLBACK_TICKET, S, _FR): Text(
        "", "{{ store_name }} : rappelez {{ customer_phone }} ({{ reason }}). {{ summary }}"
    ),
    (ActionType.CALLBACK_TICKET, S, _EN): Text(
        "", "{{ store_name }}: call {{ customer_phone }} back ({{ reason }}). {{ summary }}"
    ),
    # --- daily digest ---
    (ActionType.DAILY_DIGEST, E, _FR): Text(
        "{{ store_name }} — votre journée du {{ date }}",
        "Aujourd'hui ({{ date }}) : {{ calls_today }} appel(s), {{ orders_today }} commande(s) "
        "pour {{ revenue_today }}, {{ bookings_today }} réservation(s), "
        "{{ complaints_today }} réclamation(s).\n\n"
        "Hier : {{ calls_yesterday }} appel(s), {{ orders_yesterday }} commande(s) pour "
        "{{ revenue_yesterday }}, {{ bookings_yesterday }} réservation(s), "
        "{{ complaints_yesterday }} réclamation(s).\n\nTableau de bord : {{ dashboard_link }}"
        "{{ holidays_pending }}",
    ),
    (ActionType.DAILY_DIGEST, E, _EN): Text(
        "{{ store_name }} — your day, {{ date }}",
        "Today ({{ date }}): {{ calls_today }} call(s), {{ orders_today }} order(s) worth "
        "{{ revenue_today }}, {{ bookings_today }} booking(s), {{ complaints_today }} complaint(s).\n\n"
        "Yesterday: {{ calls_yesterday }} call(s), {{ orders_yesterday }} order(s) worth "
        "{{ revenue_yesterday }}, {{ bookings_yesterday }} booking(s), "
        "{{ complaints_yesterday }} complaint(s).\n\nDashboard: {{ dashboard_link }}{{ holidays_pending }}",
    ),
    (ActionType.DAILY_DIGEST, S, _FR): Text(
        "",
        "{{ store_name }}, {{ date }} : {{ calls_today }} appels, {{ orders_today }} commandes "
        "({{ revenue_today }}), {{ bookings_today }} réservations, {{ complaints_today }} réclamations.",
    ),
    (ActionType.DAILY_DIGEST, S, _EN): Text(
        "",
        "{{ store_name }}, {{ date }}: {{ calls_today }} calls, {{ orders_today }} orders "
        "({{ revenue_today }}), {{ bookings_today }} bookings, {{ complaints_today }} complaints.",
    ),
    # --- to the caller: confirmation ---
    (ActionType.CUSTOMER_CONFIRMATION, S, _FR): Text(
        "", "{{ store_name }} : merci {{ customer_name }} ! {{ details }} Questions : {{ store_phone }}"
    ),
    (ActionType.CUSTOMER_CONFIRMATION, S, _EN): Text(
        "", "{{ store_name }}: thank you {{ customer_name }}! {{ details }} Questions: {{ store_phone }}"
    ),
    (ActionType.CUSTOMER_CONFIRMATION, E, _FR): Text(
        "Votre confirmation — {{ store_name }}",
        "Bonjour {{ customer_name }},\n\n{{ details }}\n\n"
        "Une question ? Appelez-nous au {{ store_phone }}.\n\n{{ store_name }}",
    ),
    (ActionType.CUSTOMER_CONFIRMATION, E, _EN): Text(
        "Your confirmation — {{ store_name }}",
        "Hello {{ customer_name }},\n\n{{ details }}\n\nAny question? Call us on {{ store_phone }}.\n\n"
        "{{ store_name }}",
    ),
    # --- to the caller: reminder ---
    (ActionType.BOOKING_REMINDER, S, _FR): Text(
        "", "{{ store_name }} : rappel. {{ details }} Empêchement ? Appelez le {{ store_phone }}."
    ),
    (ActionType.BOOKING_REMINDER, S, _EN): Text(
        "", "{{ store_name }}: reminder. {{ details }} Can't make it? Call {{ store_phone }}."
    ),
    (ActionType.BOOKING_REMINDER, E, _FR): Text(
        "Rappel de votre rendez-vous — {{ booking_time }}",
        "Bonjour {{ customer_name }},\n\nPetit rappel. {{ details }}\n\n"
        "Un empêchement ? Appelez-nous au {{ store_phone }}.\n\n{{ store_name }}",
    ),
    (ActionType.BOOKING_REMINDER, E, _EN): Text(
        "Reminder — {{ booking_time }}",
        "Hello {{ customer_name }},\n\nA quick reminder. {{ details }}\n\n"
        "Can't make it? Call us on {{ store_phone }}.\n\n{{ store_name }}",
    ),
}

# Texts Kalliky sends itself (the owner cannot configure or override them): the owner's call-back
# text, the caller's payment link. Their values are set by notifications.events.
SYSTEM_TEMPLATES: dict[tuple[str, str, str], Text] = {
    (ActionType.CALLBACK_SMS, S, _FR): Text(
        "", "Kalliky – {{ store_name }} : rappeler le {{ customer_phone }}. {{ summary }}"
    ),
    (ActionType.CALLBACK_SMS, S, _EN): Text(
        "", "Kalliky – {{ store_name }}: call back {{ customer_phone }}. {{ summary }}"
    ),
    (ActionType.PAYMENT_LINK, S, _FR): Text(
        "", "{{ store_name }} : réglez {{ amount }} en toute sécurité ici : {{ payment_link }}"
    ),
    (ActionType.PAYMENT_LINK, S, _EN): Text(
        "", "{{ store_name }}: pay {{ amount }} securely here: {{ payment_link }}"
    ),
}


def shipped_text(action: str, channel: str, language: str) -> Text | None:
    """The shipped text in that language, else in French, else in English."""
    for lang in (language, _FR, _EN):
        text = TEMPLATES.get((action, channel, lang)) or SYSTEM_TEMPLATES.get((action, channel, lang))
        if text is not None:
            return text
    return None
