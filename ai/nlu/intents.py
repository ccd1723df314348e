"""What the caller wants, in French and English: weighted phrase patterns over normalised text.

A line often carries several intents ("oui et ajoutez un coca" is yes + order, "non c'est tout" is
no + done), so `classify` returns a score per intent with evidence, and the dialogue manager
decides with its context. Scores ≥ 0.5 are evidence the brain acts on; weaker hints stay below.

Patterns are phrases, not sentences: "je voudrais", "can I get", "vous livrez", "how much".
Yes/no/greeting/repeat patterns are anchored at the start of the line, after fillers ("euh",
"alors", "well", "ah"). Small typos from typing callers are forgiven on longer words
("reservaton", "comander") by a cached edit-distance lookup against the patterns' own words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ai.nlu.text import normalize

INTENTS = (
    "order", "modify_order", "cancel_item", "reservation", "service_booking", "consultation", "my_bookings",
    "cancel_booking", "move_booking", "question_price", "question_hours", "question_address",
    "question_delivery", "question_menu", "complaint", "human", "goodbye", "yes", "no", "greeting", "thanks",
    "done", "repeat", "usual",
)  # fmt: skip

# intent → [(weight, phrases)]. Phrases are regex fragments over normalised text, joined with "|"
# and bounded by \b; "^" anchors at the start of the line once fillers are gone.
_TABLE: dict[str, list[tuple[float, list[str]]]] = {
    "order": [
        (
            0.85,
            [
                r"commander",
                r"passer (?:une )?commande",
                r"pour une commande",
                r"prendre (?:une )?commande",
                r"to order",
                r"place an order",
                r"make an order",
                r"an order for",
                r"order (?:some|a|an|two|three|\d+)",
                r"i d like to order",
                r"for (?:delivery|pick up|pickup|takeaway|take away)",
            ],
        ),
        (
            0.7,
            [
                r"(?:mettez|mets|mettre|ajoutez|ajoute|ajouter|rajoutez|rajoute|rajouter|donnez|donne) moi",
                r"(?:ajoutez|ajoute|rajoutez|rajoute|ajouter|rajouter)",
                r"il me faut",
                r"il nous faut",
                r"pour moi ce sera",
                r"ce sera (?:une?|deux|trois|des|la|le)",
                r"je pars sur",
                r"c est pour (?:une|la) livraison",
                r"c est pour emporter",
                r"(?:encore|un autre|une autre) (?:une?|\w+)",
                r"add",
                r"throw in",
                r"i ll (?:also )?(?:have|take|get)",
                r"we ll (?:have|take)",
                r"(?:can|could|may) (?:i|we) (?:get|have)",
                r"let me (?:get|have)",
                r"give me",
                r"get me",
                r"i ll go (?:with|for)",
                r"another",
            ],
        ),
        (0.4, [r"aussi", r"egalement", r"en plus", r"also", r"as well", r"plus"]),
    ],
    # Generic desire: an order unless a more specific intent explains the sentence (see _settle).
    "_want": [
        (
            0.6,
            [
                r"je (?:voudrais|voudrai|veux|prendrais|prendrai|prends|souhaiterais|souhaite|desirerais)",
                r"(?:je|on|nous) (?:vais|va|allons) (?:vous )?(?:en )?(?:prendre|commander)",
                r"j en (?:veux|voudrais|prends|prendrai)",
                r"(?:i ll|we ll|i will|i d) (?:take|have|get) (?:one|two|three|a|an|the|some|\d+)",
                r"j aimerais(?: bien)?",
                r"j aurais voulu",
                r"on (?:va prendre|voudrait|prendra|veut)",
                r"nous voudrions",
                r"i (?:d|would) (?:also |just |really )?like",
                r"i (?:also |just )?want",
                r"i ll have",
                r"we d like",
                r"we want",
                r"i need",
                r"il (?:me|nous) (?:faut|faudrait|faudra)",
                r"je vais vous (?:prendre|demander)",
            ],
        ),
    ],
    "modify_order": [
        (
            0.8,
            [
                r"(?:changez|change|changer|remplacez|remplace|remplacer|modifiez|modifie|modifier) (?:la|le|les|ma|mon|mes|ca|plutot|en|par|juste)",
                r"(?:mettez|mets|mettre|faites|fais) (?:la|le|les|en|une|un) \w+(?: \w+){0,3} en (?:grande|petite|moyenne|large|xl|familiale)",
                r"en (?:grande|petite|moyenne|large|familiale) (?:plutot|finalement|a la place)",
                r"a la place",
                r"au lieu d",
                r"make (?:it|that|them|the \w+) (?:a|an|two|three|\d+|large|small|medium|regular|extra)",
                r"make that",
                r"change (?:it|that|the|my|to)",
                r"switch (?:it|that|the|to)",
                r"swap",
                r"instead",
                r"upgrade",
                r"(?:plutot|finalement) (?:une?|des|en|la|le|deux|trois|\d+)",
                r"(?:actually|rather) (?:make|can|could|i ll|i d|have|a|an|the)",
            ],
        ),
        (0.45, [r"plutot", r"finalement", r"en fait", r"actually"]),
    ],
    "cancel_item": [
        (
            0.85,
            [
                r"(?:enlevez|enleve|enlever|retirez|supprimez|supprime|supprimer|otez|oubliez)",
                r"(?:annulez|annule|annuler) (?:le|la|les|un|une|tout|ma commande|la commande|mon \w+)",
                r"laissez tomber (?:le|la|les)",
                r"je (?:n en veux plus|ne veux plus|veux plus)",
                r"(?:finalement|en fait|non) (?:pas|plus) (?:de|d)",
                r"^(?:pas|plus) (?:de|d) ",
                r"remove",
                r"take (?:off|out|away) the",
                r"drop the",
                r"cancel (?:the|my order|that|it|everything)",
                r"no more",
                r"forget (?:the|about the|that)",
                r"scrap the",
                r"get rid of",
                r"skip the",
                r"(?:don t|do not) want (?:the|that|it|any)",
                r"never ?mind the",
            ],
        ),
    ],
    "reservation": [
        (
            0.9,
            [
                r"reserver (?:une|la|pour|a|ce|demain)",
                r"reservation (?:d une|pour|de|a)",
                r"une table",
                r"book a table",
                r"reserve a table",
                r"table for",
                r"a table",
                r"make a reservation",
                r"reservation for",
                r"get a table",
                r"book (?:for|us in|in for)",
                r"dinner reservation",
                r"(?:de la|une) place pour",
                r"room for (?:\d+|two|three|four|five|six)",
            ],
        ),
        (
            0.6,
            [
                r"(?:can|could|may) (?:i|we) book",
                r"(?:i|we) (?:d like|would like|want|need) to book",
                r"book (?:one|it|me|us)",
            ],
        ),
        (
            0.8,
            [
                r"reserver",
                r"reservation",
                r"reserve",
                r"booking a table",
                r"de la place",
                r"une place",
                r"(?:available|free) table",
            ],
        ),
    ],
    "service_booking": [
        (
            0.9,
            [
                r"prendre (?:un )?(?:rendez vous|rdv)",
                r"(?:un|une) (?:rendez vous|rdv) (?:pour|chez|avec|demain|le)",
                r"(?:book|make|schedule|get|set up) (?:an|a|me an?) (?:appointment|slot|haircut|cut|trim|colour|color|session)",
                r"an appointment (?:for|with|on|tomorrow|today)",
                r"(?:prendre|reserver) (?:un|une) (?:creneau|seance|coupe|couleur)",
            ],
        ),
        (
            0.6,
            [
                r"(?:can|could|may) (?:i|we) book",
                r"(?:i|we) (?:d like|would like|want|need) to book",
                r"book (?:one|it|me|us)",
            ],
        ),
        (
            0.8,
            [
                r"rendez vous",
                r"rdv",
                r"appointment",
                r"un creneau",
                r"a slot",
                r"une seance",
                r"disponibilites?",
                r"availability",
                r"creneaux",
                r"slots",
            ],
        ),
        (
            0.5,
            [
                r"coupe",
                r"couleur",
                r"coloration",
                r"brushing",
                r"meches",
                r"balayage",
                r"shampo+ing",
                r"coiffure",
                r"barbe",
                r"manucure",
                r"pedicure",
                r"epilation",
                r"massage",
                r"soin du visage",
                r"haircut",
                r"trim",
                r"colour",
                r"color",
                r"blow ?dry",
                r"highlights",
                r"beard",
                r"manicure",
                r"pedicure",
                r"facial",
                r"waxing",
                r"cut",
            ],
        ),
    ],
    "consultation": [
        (
            0.9,
            [
                r"consultation",
                r"conseils?",
                r"besoin d aide",
                r"un avis",
                r"un expert",
                r"un specialiste",
                r"need (?:some )?advice",
                r"some advice",
                r"advice (?:on|about|for|regarding)",
                r"consult",
                r"(?:talk|speak|meet) (?:to|with) an? (?:advisor|adviser|expert|accountant|lawyer|specialist)",
                r"need help with",
                r"get help with",
            ],
        ),
        (
            0.6,
            [
                r"fiscale?",
                r"fiscalite",
                r"impots?",
                r"succession",
                r"heritage",
                r"patrimoine",
                r"retraite",
                r"placements?",
                r"comptable",
                r"comptabilite",
                r"juridique",
                r"avocat",
                r"divorce",
                r"contrat",
                r"litige",
                r"bilan",
                r"declaration",
                r"controle fiscal",
                r"tax(?:es)?",
                r"inheritance",
                r"retirement",
                r"estate",
                r"investments?",
                r"accounting",
                r"legal",
                r"lawyer",
                r"contract",
                r"dispute",
                r"audit",
                r"financial",
                r"finances?",
                r"mortgage",
                r"pension",
            ],
        ),
    ],
    "my_bookings": [
        (
            0.85,
            [
                r"j ai (?:une|un) (?:reservation|rendez vous|rdv|table)",
                r"ma reservation",
                r"mon (?:rendez vous|rdv)",
                r"mes (?:reservations|rendez vous|rdv)",
                r"est ce que j ai (?:une|un)",
                r"ai je (?:une|un)",
                r"do i have (?:a|an|any)",
                r"my (?:booking|reservation|appointment)s?",
                r"i (?:have|made|booked) (?:a|an) (?:booking|reservation|appointment)",
                r"check (?:on )?my (?:booking|reservation|appointment)",
                r"(?:verifier|confirmer) (?:ma|mon)",
                r"a quelle heure (?:est|etait) (?:ma|mon)",
                r"j ai (?:reserve|booke|pris (?:un )?rendez vous|pris (?:un )?rdv)",
                r"(?:on|nous) a(?:vons)? reserve",
                r"(?:i|we) (?:booked|reserved|have booked|have reserved|made a booking|made a reservation)",
                r"what time is my",
                r"remind me",
                r"my table",
                r"rappeler (?:l heure|la date|le jour)",
            ],
        ),
    ],
    "cancel_booking": [
        (
            0.95,
            [
                r"(?:annuler|annulez|annule|annulation|decommander|decommande|cancel|call off)(?: \w+){0,4} (?:reservation|rendez vous|rdv|table|booking|appointment|consultation|seance)",
                r"(?:je ne|j) (?:pourrai|pourrais|peux|vais pas pouvoir) (?:pas )?(?:venir|etre la|honorer)",
                r"je ne viendrai pas",
                r"(?:can t|cannot|won t be able to|will not be able to) (?:make it|come|attend)",
            ],
        ),
        (0.55, [r"annuler", r"annulation", r"cancel"]),
    ],
    "move_booking": [
        (
            0.95,
            [
                r"(?:deplacer|deplacez|deplace|decaler|decalez|decale|reporter|reportez|repousser|repoussez|avancer|avancez|changer|changez|modifier|modifiez)(?: \w+){0,4} (?:reservation|rendez vous|rdv|table|booking|appointment|consultation|seance)",
                r"reschedule",
                r"move (?:my|our) (?:booking|reservation|appointment|table)",
                r"move it to",
                r"change (?:the )?(?:date|time|day) of",
                r"rebook",
                r"changer (?:l heure|la date|le jour|l horaire|de jour|d heure|de date)",
                r"push (?:it|my \w+|the \w+) back",
                r"postpone",
                r"bring (?:it|my \w+) forward",
            ],
        ),
    ],
    "question_price": [
        (
            0.9,
            [
                r"combien(?! de| d)",
                r"c est combien",
                r"ca coute",
                r"coute combien",
                r"ca fait combien",
                r"quel (?:est le )?prix",
                r"le prix",
                r"les prix",
                r"vos prix",
                r"tarifs?",
                r"combien de sous",
                r"how much",
                r"what s the price",
                r"what is the price",
                r"price of",
                r"prices",
                r"the price",
                r"costs?",
                r"how expensive",
                r"pricing",
            ],
        ),
    ],
    "question_hours": [
        (
            0.85,
            [
                r"ouverts?",
                r"ouvertes?",
                r"ouvrez",
                r"fermez",
                r"vous etes fermes?",
                r"ferme (?:a|le|ce|aujourd)",
                r"fermeture",
                r"ouverture",
                r"horaires?",
                r"jusqu a quelle heure",
                r"a quelle heure (?:vous|ca|est ce que vous|fermez|ouvrez|ferme|ouvre)",
                r"quand (?:vous )?(?:ouvrez|fermez)",
                r"opening hours",
                r"opening times",
                r"business hours",
                r"what time do you",
                r"when do you (?:open|close)",
                r"(?:are|is) (?:you|it|the \w+) (?:still )?(?:open|closed)",
                r"open (?:today|tonight|tomorrow|on|now|at|until)",
                r"still open",
                r"until when",
                r"how late",
                r"closing time",
                r"what are your hours",
                r"your hours",
                r"what time (?:do|does|are) (?:you|it|the)",
            ],
        ),
        (0.5, [r"ferme", r"open", r"closing"]),
    ],
    "question_address": [
        (
            0.9,
            [
                r"votre adresse",
                r"quelle adresse",
                r"quelle est l adresse",
                r"ou etes vous",
                r"ou vous etes",
                r"vous etes ou",
                r"vous etes situes?",
                r"ou vous trouvez",
                r"ou se trouve (?:le|la|votre)",
                r"ou est (?:le|la|votre) (?:restaurant|salon|cabinet|boutique|magasin|pizzeria|local|bureau)",
                r"c est ou",
                r"comment (?:venir|vous trouver|aller chez vous|on vient)",
                r"quelle rue",
                r"your address",
                r"the address",
                r"what s the address",
                r"where are you",
                r"located",
                r"where is (?:the|your) (?:restaurant|salon|shop|store|place|office|practice|pizzeria)",
                r"your location",
                r"how do i get (?:there|to you)",
                r"directions",
                r"where (?:can|do) i find you",
                r"which street",
            ],
        ),
        (0.5, [r"adresse", r"address", r"l adresse"]),
    ],
    "question_delivery": [
        (
            0.95,
            [
                r"vous livrez",
                r"livrez vous",
                r"vous faites (?:la |les |des )?livraisons?",
                r"livraison possible",
                r"(?:pouvez|pourriez) vous (?:me )?livrer",
                r"possible de (?:se faire |me faire |vous faire )?livrer",
                r"frais de livraison",
                r"zone de livraison",
                r"vous livrez (?:a|jusqu)",
                r"do you deliver",
                r"you deliver",
                r"can you deliver",
                r"is there delivery",
                r"delivery available",
                r"do you do delivery",
                r"offer delivery",
                r"delivery fee",
                r"delivery area",
                r"deliver to",
                r"deliver (?:in|around)",
            ],
        ),
        (0.4, [r"livraison", r"livrer", r"delivery", r"deliver"]),
    ],
    "question_menu": [
        (
            0.85,
            [
                r"qu est ce que vous avez",
                r"vous avez quoi",
                r"qu avez vous",
                r"quoi comme",
                r"qu est ce qu il y a",
                r"la carte",
                r"le menu",
                r"votre menu",
                r"vos (?:pizzas|plats|desserts|boissons|entrees|specialites|formules|menus|services|prestations)",
                r"quelles? (?:pizzas|boissons|sortes|sauces|desserts|entrees|prestations|services|formules)",
                r"quels (?:desserts|plats|vins|services|soins)",
                r"vous proposez quoi",
                r"qu est ce que vous proposez",
                r"qu est ce que vous faites",
                r"vous faites quoi",
                r"vous avez des",
                r"est ce que vous avez",
                r"avez vous des",
                r"vous faites des",
                r"what do you have",
                r"what s on the menu",
                r"the menu",
                r"your menu",
                r"what kind of",
                r"what (?:pizzas|desserts|drinks|sides|services|options)",
                r"what do you (?:offer|serve|recommend|sell|do)",
                r"do you have (?:any|a|an|some)",
                r"do you (?:do|serve|make|sell)",
                r"any (?:vegetarian|vegan|gluten|halal)",
                r"what are (?:your|the) (?:options|specials)",
                r"specials",
            ],
        ),
    ],
    "complaint": [
        (
            0.9,
            [
                r"plainte",
                r"reclamation",
                r"me plaindre",
                r"pas contente?",
                r"pas satisfaite?",
                r"mecontente?",
                r"inadmissible",
                r"scandaleux",
                r"inacceptable",
                r"honteux",
                r"lamentable",
                r"deplorable",
                r"decue?",
                r"(?:un|des) problemes? avec",
                r"complain",
                r"complaint",
                r"not happy",
                r"unhappy",
                r"unacceptable",
                r"disappointed",
                r"terrible",
                r"awful",
                r"disgusting",
                r"outrageous",
                r"contester",
                r"conteste",
                r"furieu(?:x|se)",
                r"en colere",
                r"enervee?",
                r"(?:i m|i am|we re|we are) (?:really |very |so |quite )?(?:upset|angry|annoyed|furious|livid|fed up)",
                r"dispute (?:the|my|a|this) (?:bill|charge|invoice)",
            ],
        ),
        (
            0.85,
            [
                r"(?:etait|etaient|est|sont|arrive|arrivee|arrivees|arrives|trop) (?:toute? |\w+ment |tres |super |un peu |beaucoup trop |trop )?(?:froide?s?|brulee?s?|crue?s?|pas cuite?s?|trop cuite?s?|immangeables?|degoutante?s?|mauvaise?s?|tiedes?|seche?s?|rassise?s?|infecte?s?|ecrasee?s?|renversee?s?)",
                r"jamais (?:ete )?(?:arrive|arrivee|recu|recue|livre|livree)",
                r"toujours pas (?:arrive|arrivee|recu|recue|livre|livree)",
                r"pas (?:encore )?(?:ete )?(?:arrive|arrivee|recu|recue|livre|livree)",
                r"j attends (?:depuis|toujours|encore)",
                r"(?:commande|livraison|livreur|pizza|repas) (?:est |etait |arrive |arrivee )?en retard",
                r"il manqu(?:ait|e)",
                r"manquant",
                r"erreur (?:dans|sur) (?:ma|la)",
                r"pas ce que j (?:ai|avais) (?:commande|demande)",
                r"mauvaise commande",
                r"trompes? de",
                r"intoxication",
                r"intoxique",
                r"(?:reaction|crise) allergique",
                r"fait une allergie",
                r"(?:tombe|rendu|rendue|suis|est|sommes|sont) malades?",
                r"cheveu",
                r"insecte",
                r"cafard",
                r"rembourse",
                r"remboursement",
                r"(?:facture|debite|paye|preleve)e?s? deux fois",
                r"mal (?:coupe|coiffe|fait)",
                r"rate ma",
                r"impolie?",
                r"desagreable",
                r"malpolie?",
                r"grossiere?",
                r"j ai attendu",
                r"(?:beaucoup )?trop long",
                r"ca fait (?:une|deux|trois|plus d une|\d+) heures?",
                r"(?:on m a|vous m avez|ils m ont) (?:facture|debite|preleve|compte)",
                r"(?:vous m avez|on m a|ils m ont) (?:donne|livre|envoye|servi|apporte)(?: \w+){1,6} (?:au lieu d|a la place)",
                r"(?:you|they) (?:gave|sent|brought|delivered|served) (?:me|us)(?: \w+){1,6} instead",
                r"(?:came out|turned out) (?:wrong|badly|orange|green|terrible|awful|uneven|too)",
                r"(?:c est|est) rate",
                r"(?:was|were|is|are|arrived|came) (?:stone |completely |all )?(?:cold|burnt|burned|raw|undercooked|overcooked|soggy|stale|squashed|late|wrong|missing)",
                r"never (?:arrived|came|showed up|got)",
                r"(?:hasn t|has not|didn t|did not|haven t) (?:arrived|come|received|got)",
                r"still waiting",
                r"wrong order",
                r"got the wrong",
                r"food poisoning",
                r"(?:got|made me|made us|felt) sick",
                r"allergic reaction",
                r"overcharged",
                r"charged (?:me )?twice",
                r"double charged",
                r"refund",
                r"rude",
                r"hair in",
                r"bug in",
                r"not what i (?:ordered|asked)",
                r"(?:you|they) forgot",
                r"cold food",
            ],
        ),
    ],
    "human": [
        (
            0.95,
            [
                r"parler (?:directement |personnellement )?(?:a|au|avec) (?:maitre|monsieur|madame|mme|docteur|dr|m) \w+",
                r"parler (?:directement |personnellement )?(?:au|a la) (?:responsable|gerante?|patronn?e?|directeur|directrice|chef|manager|proprietaire)",
                r"parler (?:a|avec) (?:quelqu un|une personne|un humain|un etre humain|un responsable|le responsable|le gerant|la gerante|un conseiller|une conseillere|une vraie personne|le patron|la patronne|un employe|un vendeur|un serveur|quelqu un d autre|un operateur|une operatrice|le directeur|la directrice|le chef|le manager|un manager|une hotesse|un vrai)",
                r"un humain",
                r"une vraie personne",
                r"un etre humain",
                r"passez moi",
                r"me passer",
                r"passer quelqu un",
                r"transferez moi",
                r"pas (?:a )?un robot",
                r"(?:vous etes|c est) un robot",
                r"(?:pas|parler a) une machine",
                r"(?:speak|talk) (?:to|with) (?:a|someone|somebody|the|a real|an actual|a live|your|an employee|anyone)",
                r"real person",
                r"a human",
                r"human being",
                r"put me through",
                r"transfer me",
                r"connect me",
                r"the manager",
                r"an operator",
                r"representative",
                r"not a robot",
                r"are you a (?:robot|bot|machine)",
                r"live agent",
                r"real human",
            ],
        ),
    ],
    "goodbye": [
        (
            0.9,
            [
                r"au revoir",
                r"aurevoir",
                r"bonne journee",
                r"bonne soiree",
                r"bonne fin de",
                r"bon week end",
                r"bonne nuit",
                r"a bientot",
                r"a plus tard",
                r"a la prochaine",
                r"a tout a l heure",
                r"a demain",
                r"bye",
                r"goodbye",
                r"good bye",
                r"see you",
                r"have a (?:good|nice|great) (?:day|night|evening|one|weekend)",
                r"take care",
                r"talk to you later",
                r"ciao",
                r"adieu",
                r"salut$",
                r"a plus$",
                r"je (?:vous )?rappellerai",
                r"je (?:vous )?rappelle plus tard",
                r"i ll call (?:you )?back",
                r"i will call (?:you )?back",
            ],
        ),
    ],
    "yes": [
        (
            0.95,
            [
                r"^(?:oui|ouais|ouai|ouaip|ouep|yes|yeah|yep|yup|ya|yah|sure|ok|okay|okey|d accord|dac|daccord|bien sur|"
                r"parfait|parfaitement|exactement|exact|c est (?:bien )?ca|c est bon|c est parfait|c est juste|c est exact|"
                r"c est correct|tout a fait|absolument|volontiers|allez y|vas y|go ahead|go for it|correct|right|"
                r"that s (?:right|correct|fine|perfect|great)|perfect|great|certainly|of course|please do|"
                r"sounds (?:good|great|perfect)|confirme|je confirme|confirmed|ca marche|ca me va|ca roule|entendu|"
                r"affirmatif|bien entendu|evidemment|carrement|tres bien|super|genial|nickel|impeccable|exactly|"
                r"indeed|absolutely|definitely|alright|all right|fine|cool|pourquoi pas|why not|avec plaisir|"
                r"with pleasure|that works|that would be (?:great|perfect|fine)|agreed|deal|let s do (?:it|that)|"
                r"mhm|uh huh|mm hmm|(?:mais )?si(?: si)?$)",
            ],
        ),
        (
            0.6,
            [
                r"oui",
                r"yes",
                r"yeah",
                r"je confirme",
                r"confirmez",
                r"i confirm",
                r"c est parfait",
                r"ca marche",
                r"that works",
                r"go ahead",
                r"sounds good",
                r"volontiers",
                r"bien sur",
                r"of course",
                r"no problem",
                r"pas de (?:probleme|souci)",
                r"sans (?:probleme|souci)",
                r"aucun (?:probleme|souci)",
                r"no worries",
                r"ok",
                r"okay",
                r"d accord",
            ],
        ),
    ],
    "no": [
        (
            0.95,
            [
                r"^(?:non|nan|no(?! more| problem| worries| doubt| need| preference)|nope|nah|pas du tout|pas vraiment|not really|"
                r"not at all|no thanks|no thank you|non merci|pas besoin|pas la peine|negative|negatif|ce n est pas ca|"
                r"c est pas ca|c est pas bon|that s (?:wrong|not right|not it|incorrect)|wrong$|incorrect$|"
                r"pas maintenant|not now|certainly not|"
                r"absolutely not|surtout pas|i don t think so|je ne pense pas|je pense pas|je crois pas|pas pour l instant|"
                r"not for now|not today|pas aujourd hui)",
            ],
        ),
        (0.9, [r"(?:finalement|en fait|actually|oh|ah|bon) (?:non|no)(?! \w+s\b)"]),
        (
            0.7,
            [
                r"laisse[zr]? tomber$",
                r"laissez tomber (?:tout|ca)",
                r"forget it",
                r"never ?mind$",
                r"oubliez (?:ca|tout)",
            ],
        ),
        (
            0.5,
            [
                r"non(?: merci| c est| ce| pas| plus| je| non| ca|$)",
                r"no(?: thanks| thank| i| it| that| sorry| please|$)",
            ],
        ),
    ],
    "greeting": [
        (
            0.8,
            [
                r"^(?:bonjour|bonsoir|salut|allo|coucou|hello|hi|hey|hiya|howdy|good (?:morning|afternoon|evening|day))"
            ],
        ),
    ],
    "thanks": [
        (
            0.8,
            [
                r"merci",
                r"thank you",
                r"thanks",
                r"thx",
                r"cheers",
                r"je vous remercie",
                r"much appreciated",
                r"appreciate it",
                r"c est gentil",
            ],
        ),
    ],
    "done": [
        (
            0.95,
            [
                r"c est tout",
                r"ce sera tout",
                r"ca sera tout",
                r"c est bon pour moi",
                r"ca ira",
                r"rien d autre",
                r"rien de plus",
                r"pas autre chose",
                r"ca suffit",
                r"c est fini",
                r"j ai fini",
                r"j ai termine",
                r"juste ca",
                r"seulement ca",
                r"c est bon comme ca",
                r"that s all",
                r"that s it",
                r"that ll be all",
                r"that will be all",
                r"that s everything",
                r"nothing else",
                r"nothing more",
                r"i m done",
                r"we re done",
                r"i m good",
                r"i m all set",
                r"all set",
                r"that ll do",
                r"that s enough",
                r"just that",
            ],
        ),
        (0.7, [r"all good"]),
    ],
    "repeat": [
        (
            0.9,
            [
                r"vous pouvez repeter",
                r"pouvez vous repeter",
                r"tu peux repeter",
                r"repetez",
                r"repeter",
                r"je n ai pas (?:bien )?(?:compris|entendu|saisi)",
                r"j ai pas (?:bien )?(?:compris|entendu|capte|saisi)",
                r"vous avez dit quoi",
                r"qu est ce que vous avez dit",
                r"plus lentement",
                r"moins vite",
                r"come again",
                r"(?:can|could) you repeat",
                r"repeat that",
                r"say (?:that|it) again",
                r"didn t (?:catch|hear|get) (?:that|it|you)",
                r"i didn t understand",
                r"what did you say",
                r"one more time",
            ],
        ),
    ],
    "usual": [
        (
            0.95,
            [
                r"comme d habitude",
                r"comme d hab",
                r"comme toujours",
                r"comme la derniere fois",
                r"comme l autre fois",
                r"la meme chose que (?:la derniere fois|d habitude|l autre fois)",
                r"la meme commande",
                r"mon habitude",
                r"ma commande habituelle",
                r"la meme que d habitude",
                r"the usual",
                r"same as (?:last time|usual|always|before)",
                r"my usual",
                r"same order",
                r"the same again",
                r"same thing as (?:last time|usual|before)",
                r"my regular",
            ],
        ),
    ],
}
# Short lines that ask to hear it again: "pardon ?", "comment ?", "sorry?", "what?".
_REPEAT_SHORT = re.compile(r"^(?:pardon|comment|quoi|hein|sorry|what|excuse me|pardon me|huh)(?: \w+)?$")
_FILLER_HEAD = re.compile(
    r"^(?:(?:euh|heu|hum|hmm|mmm|um|uh|er|erm|ah|oh|eh|alors|ben|bah|bon|well|so|mais)\s+)+"
)
_FILLERS_ANYWHERE = re.compile(r"\b(?:euh|heu|hum|hmm|mmm|um|uh|erm)\b")
# A specific intent explains "je voudrais …" better than an order does.
_SPECIFIC = (
    "reservation", "service_booking", "consultation", "my_bookings", "cancel_booking", "move_booking",
    "question_price", "question_hours", "question_address", "question_delivery", "question_menu",
    "complaint", "human", "usual", "cancel_item", "modify_order",
)  # fmt: skip
_ASKING = re.compile(
    r"\b(?:savoir|connaitre|demander|renseignement|information|question|know|ask|find out)\b"
)
_BOOKING_ACTIONS = ("cancel_booking", "move_booking", "my_bookings")
# "je sais que vous êtes fermés mais…": the hours are known, not asked.
_ALREADY_KNOWN = re.compile(
    r"\b(?:je sais (?:bien )?que|i know (?:that )?|puisque|vu que|meme si|even though|since)\b"
)
_OWN_ADDRESS = re.compile(r"\b(?:mon adresse|my address|j habite|i live)\b")
_RUNNING_LATE = re.compile(
    r"\b(?:je serai|on sera|nous serons|je vais etre|on va etre|i ll be|we ll be|i m running|we re running|"
    r"i will be|we will be)(?: un peu| a bit| a little)? (?:en )?(?:retard|late)\b"
)


def _compile() -> list[tuple[str, float, re.Pattern[str]]]:
    compiled = []
    for intent, rules in _TABLE.items():
        for weight, phrases in rules:
            anchored = [p for p in phrases if p.startswith("^")]
            free = [p for p in phrases if not p.startswith("^")]
            if anchored:
                compiled.append((intent, weight, re.compile("(?:" + "|".join(anchored) + r")\b")))
            if free:
                compiled.append((intent, weight, re.compile(r"\b(?:" + "|".join(free) + r")\b")))
    return compiled


_PATTERNS = _compile()
_VOCABULARY = frozenset(
    w for rules in _TABLE.values() for _, ps in rules for p in ps for w in re.findall(r"[a-z]{4,}", p)
)
_FUZZY_TARGETS = sorted(w for w in _VOCABULARY if len(w) >= 6)


@lru_cache(maxsize=4096)
def _fix_typo(word: str) -> str:
    """The pattern word a longer unknown word is one edit away from ("reservaton" → "reservation")."""
    if len(word) < 6 or word in _VOCABULARY or not word.isalpha():
        return word
    limit = 1 if len(word) < 11 else 2
    best = process.extractOne(word, _FUZZY_TARGETS, scorer=OSA.distance, score_cutoff=limit)
    if best is None:
        return word
    target = best[0]
    if word[:-1] == target[:-1] or word[:-2] == target[:-2] or word[:-1] == target or word == target[:-1]:
        return word  # another form of the same word ("retirer" is not a misspelt "retirez")
    return target


@lru_cache(maxsize=1024)
def _prepared(text: str) -> str:
    norm = _FILLERS_ANYWHERE.sub(" ", normalize(text))
    norm = _FILLER_HEAD.sub("", " ".join(norm.split()))
    return " ".join(_fix_typo(w) for w in norm.split())


def _settle(scores: dict[str, float], norm: str) -> None:
    """Resolve the overlaps the patterns cannot see on their own."""
    want = scores.pop("_want", 0.0)
    if want and not any(scores.get(i, 0) >= 0.5 for i in _SPECIFIC) and not _ASKING.search(norm):
        scores["order"] = max(scores.get("order", 0.0), want)
    if max((scores.get(i, 0) for i in _BOOKING_ACTIONS), default=0) >= 0.85:
        # "annuler ma réservation" is not a new reservation, nor an item to remove
        for intent in ("reservation", "service_booking", "cancel_item", "modify_order", "order"):
            if intent in scores:
                scores[intent] = min(scores[intent], 0.3)
        if scores.get("cancel_booking", 0) >= 0.9 or scores.get("move_booking", 0) >= 0.9:
            scores.pop("my_bookings", None)
            if scores.get("complaint", 0) < 0.9:
                scores.pop("complaint", None)  # "je suis malade, je dois annuler"
    if scores.get("cancel_booking", 0) < 0.9 and scores.get("cancel_item", 0) >= 0.85:
        scores.pop("cancel_booking", None)  # "annulez le coca"
    if scores.get("question_delivery", 0) >= 0.9:
        scores.pop("order", None)
    if scores.get("complaint", 0) >= 0.85 and "order" in scores:
        scores["order"] = min(scores["order"], 0.3)  # "ma commande n'est jamais arrivée"
    if any(
        scores.get(i, 0) >= 0.8 for i in ("reservation", "service_booking", "consultation") + _BOOKING_ACTIONS
    ):
        if "question_menu" in scores:
            scores["question_menu"] = min(scores["question_menu"], 0.3)  # "do you have a table"
    if "question_hours" in scores and _ALREADY_KNOWN.search(norm) and max(scores.values()) >= 0.85:
        if sum(1 for v in scores.values() if v >= 0.8) >= 2:
            scores.pop("question_hours")
    if "question_address" in scores and _OWN_ADDRESS.search(norm):
        scores.pop("question_address")
    if "complaint" in scores and _RUNNING_LATE.search(norm):
        scores.pop("complaint")
    if "done" in scores and "no" in scores:
        scores["no"] = min(scores["no"], 0.6)  # "non merci c'est tout": finishing, not refusing
    if scores.get("no", 0) >= 0.9 and "yes" in scores and scores["yes"] < 0.9:
        scores.pop("yes")  # "non pas de problème"
    if "greeting" in scores and scores.get("yes", 0) and norm.startswith(("good ", "bon ")):
        scores.pop("yes")  # "good evening" is not agreement


def classify(text: str, lang: str | None = None) -> dict[str, float]:
    """Scores in [0, 1] for every intent the line gives evidence of (`lang` is accepted for callers
    that know it; the patterns cover both languages at once)."""
    norm = _prepared(text)
    if not norm:
        return {}
    scores: dict[str, float] = {}
    for intent, weight, pattern in _PATTERNS:
        if weight > scores.get(intent, 0.0) and pattern.search(norm):
            scores[intent] = weight
    if _REPEAT_SHORT.match(norm):
        scores["repeat"] = max(scores.get("repeat", 0.0), 0.9)
    _settle(scores, norm)
    return scores


def is_yes(text: str) -> bool:
    scores = classify(text)
    return scores.get("yes", 0.0) >= 0.5 and scores.get("no", 0.0) < scores.get("yes", 0.0)


def is_no(text: str) -> bool:
    scores = classify(text)
    return scores.get("no", 0.0) >= 0.5 and scores.get("yes", 0.0) < scores.get("no", 0.0)


# --- language --------------------------------------------------------------------------------
_FR_WORDS = frozenset(
    """je j tu il elle nous vous ils elles le la les l un une des du de et est sont suis c ce cette ces mon ma
    mes ton ta votre vos notre nos pour avec sans pas ne n oui ouais non merci bonjour bonsoir voudrais veux
    voudrait aimerais pouvez peux quoi comment combien quand pourquoi qui que qu quel quelle ou au aux demain
    soir aujourd hui plait svp aussi tres bien deja encore moi toi lui en sur dans chez parce mais donc alors
    euh ben bah ca cela ici voila rien tout plus avez etes faites reserver commander prendre personnes heures
    salut allo coucou daccord accord parfait habitude chose fois mettez ajoutez enlevez livrez""".split()
)
_EN_WORDS = frozenset(
    """i you he she we they it the an of and is am are was were be will would could can do does did don t to
    for with without not no yes yeah yep nope thanks thank please hello hi hey what how much many where when
    why who which like want need get have my your our this that these there here in tomorrow tonight today
    book order people some any just also too sure great good bye sorry um uh well so ll ve m re okay please
    usual time deliver delivery open close""".split()
)
# Words alone on a line that tell the language ("ok" goes French: the stores' callers mostly are).
_ALONE_FR = frozenset("oui ouais non merci bonjour bonsoir salut allo ok d accord parfait daccord".split())
_ALONE_EN = frozenset("yes yeah yep no nope thanks hello hi hey bye sure okay".split())
_FRENCH_LETTERS = re.compile(r"[éèêàùçâîôûëïœ]")


def detect_language(text: str) -> str | None:
    """ "fr", "en" or None when the line is too short or mixed to tell."""
    words = normalize(text).split()
    if not words:
        return None
    if len(words) <= 2 and (words[0] in _ALONE_FR or words[0] in _ALONE_EN):
        if " ".join(words) in ("d accord",) or words[0] in _ALONE_FR:
            return "fr"
        return "en"
    fr = sum(1 for w in words if w in _FR_WORDS and w not in _EN_WORDS)
    en = sum(1 for w in words if w in _EN_WORDS and w not in _FR_WORDS)
    if _FRENCH_LETTERS.search(text.lower()):
        fr += 1
    if fr == en or max(fr, en) < (1 if len(words) <= 2 else 2) or max(fr, en) < 1.5 * min(fr, en):
        return None
    return "fr" if fr > en else "en"


# --- complaints ------------------------------------------------------------------------------
# (category, weight, pattern): the category with the most evidence wins, ties go to the earlier.
_CATEGORY_RULES: list[tuple[str, float, re.Pattern[str]]] = [
    (category, weight, re.compile(r"\b(?:" + pattern + r")"))
    for category, weight, pattern in [
        ("hygiene", 1.0, r"cheveux?|poils?|insectes?|cafards?|mouches?|salete|pas propre|crasseu|hygiene|moisi|"
                         r"degoutant|rats?\b|souris|hair (?:in|on)|insects?|cockroach|bugs? in|fly in|dirty|filthy|"
                         r"mou?ldy?|unhygienic|disgusting"),
        ("missing_item", 1.0, r"manqu|oubli|pas dans le sac|il n y avait pas|missing|forgot|left out|wasn t in|"
                              r"not in the bag|didn t get (?:my|the)"),
        ("wrong_order", 1.0, r"pas ce que j (?:ai|avais) commande|mauvaise (?:commande|pizza|taille)|erreur|trompe|"
                             r"pas la bonne|pas le bon|inverse|wrong|not what i (?:ordered|asked)|mixed up|instead of|"
                             r"someone else s|(?:gave|sent|brought|delivered|served) (?:me|us)(?: \w+){1,6} instead|au lieu d|"
                             r"a la place"),
        ("delay", 1.0, r"retard|jamais (?:ete )?(?:arrive|livre|recu)|pas (?:encore )?(?:ete )?(?:arrive|livre)|"
                       r"attendu|j attends|attente|ca fait (?:une|deux|\d+) heures?|trop long|late|never (?:arrived|came)|"
                       r"still waiting|waited|waiting for|took (?:too |so )?long|hasn t (?:arrived|come)|"
                       r"didn t (?:arrive|come)|did not arrive|over an hour|delay"),
        ("billing", 1.0, r"factur|paye deux fois|payee? deux fois|debite|preleve|trop paye|trop cher|prix|rembours|"
                         r"ticket de caisse|monnaie|bill\b|charged|overcharged|refund|price|receipt|payment|paid twice"),
        ("staff", 1.0, r"impoli|desagreable|malpoli|grossier|agressi|mal (?:parle|accueilli|recu)|insult|rude|"
                       r"unfriendly|yelled|shouted|attitude|unprofessional"),
        ("staff", 0.5, r"serveu|livreur|employe|coiffeu|personnel|accueil|staff|waiter|waitress|driver|"
                       r"delivery (?:guy|man)|employee|hairdresser"),
        ("quality", 1.0, r"froid|tiede|brule|pas cuit|trop cuit|crue?\b|mauvais|infect|immangeable|qualite|gout|"
                         r"fade|trop sale|rassis|pas frais|perime|ecrase|dur\b|sec\b|seche|gras|cold|lukewarm|burn|"
                         r"undercooked|overcooked|raw|bad|quality|taste|bland|stale|soggy|greasy|salty|dry|squashed|"
                         r"expired|allerg|intoxi|malade|sick|poison|rate|abime|damaged|came out|turned out|loupe|"
                         r"botched|ruined|ruine|mal (?:fait|coupe|coiffe)"),
    ]
]  # fmt: skip
_CATEGORY_ORDER = ("hygiene", "missing_item", "wrong_order", "delay", "billing", "staff", "quality")
_EMERGENCY = re.compile(
    r"\b(?:allerg|anaphyla|intoxi|empoisonn|malades?\b|vomi|hopital|urgences?\b|samu|ambulance|pompiers|etouff|"
    r"respire (?:plus|pas|mal)|me suis brule|brulure|blesse|sick\b|ill\b|poison|hospital|emergency|"
    r"can t breathe|cannot breathe|choking|vomit|throwing up|threw up|epipen|swelling|burned myself|"
    r"burnt myself|injured|cut myself)"
)
_HIGH = re.compile(
    r"\b(?:inadmissible|inacceptable|scandal|honte|honteux|lamentable|furieu|en colere|enerve|excede|"
    r"plus jamais|jamais plus|avocat|police|porter plainte|tribunal|justice|reseaux sociaux|avis negatif|"
    r"mauvais avis|tres urgent|urgent|(?<!pas )grave|pire|troisieme fois|encore une fois|unacceptable|"
    r"outrageous|furious|angry|livid|disgrace|ridiculous|ridicule|never again|lawyer|sue\b|bad review|"
    r"social media|worst|third time|yet again|asap|immediately|upset|fed up|en ai marre|ras le bol|exaspere)"
)
_LOW = re.compile(
    r"\b(?:petit (?:souci|probleme)|pas (?:bien )?grave|juste pour (?:vous )?(?:signaler|informer|dire|prevenir)|"
    r"just (?:wanted to )?(?:let you know|mention|so you know|a heads up)|minor|small (?:issue|problem|thing)|"
    r"slight|un peu|a bit|a little|sans gravite|not a big deal|no big deal|rien de grave|pour info|fyi|"
    r"legerement|slightly)"
)


def complaint_category(text: str) -> str:
    """ "quality", "delay", "missing_item", "wrong_order", "staff", "billing", "hygiene" or "other"."""
    norm = normalize(text)
    totals: dict[str, float] = {}
    for category, weight, pattern in _CATEGORY_RULES:
        hits = len(pattern.findall(norm))
        if hits:
            totals[category] = totals.get(category, 0.0) + weight * hits
    if not totals:
        return "other"
    return max(_CATEGORY_ORDER, key=lambda c: (totals.get(c, 0.0), -_CATEGORY_ORDER.index(c)))


def urgency(text: str) -> str:
    """ "emergency" (health: allergy, poisoning, sick), "high" (angry, threats, urgent), "low" (a minor
    remark) or "normal"."""
    norm = normalize(text)
    if _EMERGENCY.search(norm):
        return "emergency"
    shouting = sum(1 for w in text.split() if len(w) > 2 and w.isupper()) >= 3
    if _HIGH.search(norm) or shouting:
        return "high"
    if _LOW.search(norm):
        return "low"
    return "normal"
