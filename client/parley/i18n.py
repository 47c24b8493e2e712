"""User-facing strings, one table per language; the language comes from the site or the browser.

Pure: no browser imports, so it is unit-tested in CPython (every language has every key and placeholder).
"""

STRINGS = {
    "en": {
        "title": "Chat",
        "open_chat": "Open chat",
        "close_chat": "Close chat",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "signing_in": "Signing in…",
        "welcome": "Chat with your friends without leaving {site}.",
        "welcome_more": "See which friends are here right now, and share this page in one click.",
        "sign_in_failed": "Sign-in did not complete: {reason}",
        "popup_blocked": "The sign-in window was blocked. Allow pop-ups for this site and try again.",
        "here_now": "On this site now",
        "nobody_here": "None of your friends is on this site right now.",
        "friends": "Friends",
        "no_friends": "No friends yet. Add friends on your Parley account page.",
        "groups": "Groups",
        "share_page": "Share this page",
        "share_with": "Share with {name}",
        "share_pick": "Share this page with…",
        "shared": "Shared with {name}",
        "cancel": "Cancel",
        "back": "Back",
        "message": "Message",
        "send": "Send",
        "messages": "Messages",
        "typing_one": "{name} is typing…",
        "typing_many": "{names} are typing…",
        "status": "Status",
        "online": "Online",
        "away": "Away",
        "offline": "Offline",
        "hidden": "Hidden on this site",
        "conn_online": "Connected",
        "conn_connecting": "Connecting…",
        "conn_offline": "Offline — messages will be sent when you reconnect",
        "sending": "Sending",
        "sent": "Sent",
        "read": "Read",
        "failed": "Not sent",
        "retry": "Retry",
        "today": "Today",
        "yesterday": "Yesterday",
        "unread": "{count} unread",
        "on_page": "on “{title}”",
        "shared_link": "Shared a link",
        "load_older": "Load older messages",
        "deleted_user": "Deleted user",
        "you": "You",
        "empty_chat": "Say hello to {name}.",
        # -- the notice and the composer's counter (issue 14, attention)
        "chars_left": "{count} characters left",
        "chars_over": "{count} characters too many: shorten the message to send it",
        "peek_open": "Open the conversation with {name}",
        "peek_dismiss": "Dismiss",
        "peek_new": "New message",
        # settings (the visitor's choices, kept on the account)
        "settings": "Settings",
        "appear_offline": "Appear offline",
        "hide_here": "Hide me on this site",
        "share_title": "Show friends here the title of the page I am on",
        "sound": "Sound for new messages",
        "sound_site": "As this site chooses",
        "sound_on": "On",
        "sound_off": "Off",
        "settings_note": "Your choices are kept on your Parley account and apply in every tab.",
    },
    "fr": {
        "title": "Discussion",
        "open_chat": "Ouvrir la discussion",
        "close_chat": "Fermer la discussion",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "signing_in": "Connexion…",
        "welcome": "Discutez avec vos amis sans quitter {site}.",
        "welcome_more": "Voyez quels amis sont ici en ce moment et partagez cette page en un clic.",
        "sign_in_failed": "La connexion n’a pas abouti : {reason}",
        "popup_blocked": "La fenêtre de connexion a été bloquée. Autorisez les fenêtres surgissantes et réessayez.",
        "here_now": "Sur ce site en ce moment",
        "nobody_here": "Aucun de vos amis n’est sur ce site en ce moment.",
        "friends": "Amis",
        "no_friends": "Pas encore d’amis. Ajoutez-en depuis votre compte Parley.",
        "groups": "Groupes",
        "share_page": "Partager cette page",
        "share_with": "Partager avec {name}",
        "share_pick": "Partager cette page avec…",
        "shared": "Partagé avec {name}",
        "cancel": "Annuler",
        "back": "Retour",
        "message": "Message",
        "send": "Envoyer",
        "messages": "Messages",
        "typing_one": "{name} écrit…",
        "typing_many": "{names} écrivent…",
        "status": "Statut",
        "online": "En ligne",
        "away": "Absent",
        "offline": "Hors ligne",
        "hidden": "Invisible sur ce site",
        "conn_online": "Connecté",
        "conn_connecting": "Connexion…",
        "conn_offline": "Hors ligne — les messages partiront à la reconnexion",
        "sending": "Envoi",
        "sent": "Envoyé",
        "read": "Lu",
        "failed": "Non envoyé",
        "retry": "Réessayer",
        "today": "Aujourd’hui",
        "yesterday": "Hier",
        "unread": "{count} non lus",
        "on_page": "sur « {title} »",
        "shared_link": "A partagé un lien",
        "load_older": "Charger les messages précédents",
        "deleted_user": "Utilisateur supprimé",
        "you": "Vous",
        "empty_chat": "Dites bonjour à {name}.",
        # -- the notice and the composer's counter (issue 14, attention)
        "chars_left": "{count} caractères restants",
        "chars_over": "{count} caractères de trop : raccourcissez le message pour l’envoyer",
        "peek_open": "Ouvrir la discussion avec {name}",
        "peek_dismiss": "Ignorer",
        "peek_new": "Nouveau message",
        # settings (the visitor's choices, kept on the account)
        "settings": "Réglages",
        "appear_offline": "Apparaître hors ligne",
        "hide_here": "Me masquer sur ce site",
        "share_title": "Montrer à mes amis ici le titre de la page où je suis",
        "sound": "Son des nouveaux messages",
        "sound_site": "Selon ce site",
        "sound_on": "Activé",
        "sound_off": "Désactivé",
        "settings_note": "Vos choix sont gardés sur votre compte Parley et valent dans chaque onglet.",
    },
    "ar": {
        "title": "الدردشة",
        "open_chat": "فتح الدردشة",
        "close_chat": "إغلاق الدردشة",
        "sign_in": "تسجيل الدخول",
        "sign_out": "تسجيل الخروج",
        "signing_in": "جارٍ تسجيل الدخول…",
        "welcome": "تحدّث مع أصدقائك دون مغادرة {site}.",
        "welcome_more": "اعرف من من أصدقائك هنا الآن، وشارك هذه الصفحة بنقرة واحدة.",
        "sign_in_failed": "لم يكتمل تسجيل الدخول: {reason}",
        "popup_blocked": "حُظرت نافذة تسجيل الدخول. اسمح بالنوافذ المنبثقة لهذا الموقع ثم أعد المحاولة.",
        "here_now": "على هذا الموقع الآن",
        "nobody_here": "لا أحد من أصدقائك على هذا الموقع الآن.",
        "friends": "الأصدقاء",
        "no_friends": "لا أصدقاء بعد. أضف أصدقاء من صفحة حسابك على Parley.",
        "groups": "المجموعات",
        "share_page": "مشاركة هذه الصفحة",
        "share_with": "مشاركة مع {name}",
        "share_pick": "مشاركة هذه الصفحة مع…",
        "shared": "تمت المشاركة مع {name}",
        "cancel": "إلغاء",
        "back": "رجوع",
        "message": "رسالة",
        "send": "إرسال",
        "messages": "الرسائل",
        "typing_one": "{name} يكتب…",
        "typing_many": "{names} يكتبون…",
        "status": "الحالة",
        "online": "متصل",
        "away": "بالخارج",
        "offline": "غير متصل",
        "hidden": "مخفي على هذا الموقع",
        "conn_online": "متصل",
        "conn_connecting": "جارٍ الاتصال…",
        "conn_offline": "غير متصل — ستُرسل الرسائل عند عودة الاتصال",
        "sending": "جارٍ الإرسال",
        "sent": "أُرسلت",
        "read": "قُرئت",
        "failed": "لم تُرسل",
        "retry": "إعادة المحاولة",
        "today": "اليوم",
        "yesterday": "أمس",
        "unread": "{count} غير مقروءة",
        "on_page": "على «{title}»",
        "shared_link": "شارك رابطًا",
        "load_older": "تحميل الرسائل الأقدم",
        "deleted_user": "مستخدم محذوف",
        "you": "أنت",
        "empty_chat": "قل مرحبًا لـ {name}.",
        # -- the notice and the composer's counter (issue 14, attention)
        "chars_left": "بقي {count} حرفًا",
        "chars_over": "{count} حرفًا زائدًا: اختصر الرسالة لإرسالها",
        "peek_open": "فتح المحادثة مع {name}",
        "peek_dismiss": "إغلاق",
        "peek_new": "رسالة جديدة",
        # settings (the visitor's choices, kept on the account)
        "settings": "الإعدادات",
        "appear_offline": "الظهور بلا اتصال",
        "hide_here": "إخفائي على هذا الموقع",
        "share_title": "إظهار عنوان الصفحة التي أتصفحها لأصدقائي هنا",
        "sound": "صوت الرسائل الجديدة",
        "sound_site": "حسب اختيار هذا الموقع",
        "sound_on": "مفعّل",
        "sound_off": "معطّل",
        "settings_note": "تُحفظ اختياراتك في حساب Parley وتسري في كل علامة تبويب.",
    },
}
DEFAULT_LANG = "en"
RTL_LANGS = ("ar", "he", "fa", "ur")


def pick_language(preferred, browser_languages=()):
    """The first supported language among the site's choice and the browser's list (e.g. 'fr-CA' -> 'fr')."""
    for tag in [preferred] + list(browser_languages):
        if not tag:
            continue
        base = str(tag).lower().split("-")[0]
        if base in STRINGS:
            return base
    return DEFAULT_LANG


def is_rtl(lang):
    """Whether a language is written right to left."""
    return str(lang).lower().split("-")[0] in RTL_LANGS


class Translator:
    """t(key, **params): the string for key in this language (English if missing), placeholders filled."""

    def __init__(self, lang):
        self.lang = lang if lang in STRINGS else DEFAULT_LANG
        self.table = STRINGS[self.lang]

    def __call__(self, key, **params):
        template = self.table.get(key) or STRINGS[DEFAULT_LANG].get(key) or key
        for name, value in params.items():
            template = template.replace("{" + name + "}", str(value))
        return template
