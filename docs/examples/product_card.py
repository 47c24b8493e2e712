"""A custom card: products shared as cards with image, name and price, drawn safely from data.

A share's data carries `card: {"type": "product", "fields": {...}}`; this module registers the renderer for
"product" and a composer button "Share a product" that shares this site's featured product. Visitors whose
widget lacks the renderer still see a normal link card (title and host), so nothing is lost.
"""

import parley

SITE = "/".join(__file__.split("/")[:3]) if "://" in __file__ else ""
FEATURED = {
    "url": SITE + "/?product=storm-lantern",
    "title": "Brass storm lantern",
    "fields": {"name": "Brass storm lantern", "price": 49.9, "currency": "EUR",
               "image": SITE + "/ext/lantern.svg"},
}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_price(amount, currency):
    """49.9, 'EUR' -> '€49.90'; unknown currencies keep their code ('49.90 CHF'); bad amounts -> ''."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        return ""
    if value != value or value < 0:
        return ""
    text = f"{value:.2f}"
    symbol = SYMBOLS.get(str(currency).upper())
    return symbol + text if symbol else text + " " + str(currency)


@parley.card("product")
def draw_product(card):
    """Everything from the card's data goes in as text or through card.image/card.link (http(s) only)."""
    name = card.get("name") or card.title
    return card.link(
        card.image("image", alt=name, width="64", height="64", class_="p-product-img"),
        parley.el("span", {"class_": "p-card-title"}, name),
        parley.el("span", {"class_": "p-price"}, format_price(card.fields.get("price"), card.get("currency"))),
        class_="p-product",
        style="display:flex;gap:10px;align-items:center;text-decoration:none;color:inherit",
    )


@parley.composer_action("Share a product", icon="🛍")
async def share_featured(context):
    if context.get("conversation") is None:
        return
    await parley.share(FEATURED["url"], title=FEATURED["title"], conversation=context["conversation"],
                       card={"type": "product", "fields": FEATURED["fields"]})
