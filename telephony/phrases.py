"""What the phone line says outside the assistant's own replies, in French and English. (The
greeting, with its recording notice and closed-now line, is the assistant's: ai.greeting.)"""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "number_inactive": {
        "fr": "Bonjour, ce service est momentanément indisponible. Merci de rappeler plus tard.",
        "en": "Hello, this service is temporarily unavailable. Please call again later.",
    },
    "busy": {
        "fr": "Bonjour, toutes nos lignes sont occupées. Merci de rappeler dans quelques minutes.",
        "en": "Hello, all our lines are busy. Please call again in a few minutes.",
    },
    "busy_transfer": {
        "fr": "Bonjour, toutes nos lignes sont occupées ; je vous passe un membre de l'équipe.",
        "en": "Hello, all our lines are busy; let me put you through to a member of the team.",
    },
    "reprompt": {
        "fr": "Êtes-vous toujours là ? Je vous écoute.",
        "en": "Are you still there? I'm listening.",
    },
    "silence_goodbye": {
        "fr": "Je ne vous entends plus. N'hésitez pas à rappeler. Au revoir !",
        "en": "I can't hear you any more. Feel free to call again. Goodbye!",
    },
    "connecting": {
        "fr": "Je vous mets en relation avec {label}, un instant s'il vous plaît.",
        "en": "I'm putting you through to {label}, one moment please.",
    },
    "next_step": {
        "fr": "{previous} n'est pas disponible. J'essaie {label}, un instant.",
        "en": "{previous} is not available. I'm trying {label}, one moment.",
    },
    "callback": {
        "fr": (
            "Personne n'est disponible pour le moment. Nous vous rappelons au plus vite au {phone}."
            " Au revoir !"
        ),
        "en": (
            "Nobody is available right now. We will call you back as soon as possible on {phone}. Goodbye!"
        ),
    },
    "callback_no_phone": {
        "fr": "Personne n'est disponible pour le moment. Merci de rappeler un peu plus tard. Au revoir !",
        "en": "Nobody is available right now. Please call again a little later. Goodbye!",
    },
    "stream_lost": {
        "fr": "Excusez-moi, la ligne a sauté un instant. Je vous écoute.",
        "en": "Sorry, the line dropped for a moment. I'm listening.",
    },
    "lost_session": {
        "fr": "Excusez-moi, pouvez-vous répéter votre demande ?",
        "en": "Sorry, could you say that again?",
    },
    "callback_sms": {
        "fr": "Kalliky – {store} : rappeler le {phone}. {summary}",
        "en": "Kalliky – {store}: call back {phone}. {summary}",
    },
}


def say(key: str, lang: str, **values: str) -> str:
    table = PHRASES[key]
    return table.get(lang, table["fr"]).format(**values)
