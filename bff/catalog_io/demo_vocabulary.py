"""The demo catalog's vocabulary: the category tree and, per leaf category, what its products are called,
made of, priced at and offered in. Kept as text tables (one entry per block, ``;`` between list items) so
the data reads like a spreadsheet; ``demo_catalog.py`` draws from it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """An option a leaf's products may offer; ``step`` is added to the price per position in ``values``."""

    name: str
    values: tuple[str, ...]
    step: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LeafSpec:
    """A category products are filed under (a leaf of the tree)."""

    path: tuple[str, ...]  # handles from the root down to this leaf
    title: str
    product_type: str
    price_range: tuple[int, int]
    options: tuple[OptionSpec, ...]
    nouns: tuple[str, ...]
    materials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RootSpec:
    handle: str
    title: str
    description: str
    vendors: tuple[str, ...]
    adjectives: tuple[str, ...]
    selling_points: tuple[str, ...]


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(";") if item.strip())


def _blocks(table: str) -> list[list[str]]:
    """Split a table into blocks: a line at the margin starts one, indented lines continue it."""
    blocks: list[list[str]] = []
    for line in table.strip("\n").splitlines():
        if line.startswith(" "):
            blocks[-1].append(line.strip())
        elif line.strip():
            blocks.append([line.strip()])
    return blocks


# key | option name | values | price step per position
OPTIONS_TABLE = """
clothing-size | Size | XS; S; M; L; XL; XXL | 0
clothing-color | Color | Black; White; Navy; Olive; Heather Grey; Burgundy; Sand | 0
shoe-size | Size | 6; 7; 8; 9; 10; 11; 12 | 0
shoe-color | Color | Black; White; Bone; Slate; Tan | 0
home-color | Color | Charcoal; Ivory; Sage; Terracotta; Ocean Blue | 0
home-size | Size | Small; Medium; Large | 12
tech-color | Color | Matte Black; Silver; Midnight Blue; Chalk White | 0
wattage | Wattage | 20W; 35W; 65W; 100W | 10
phone-model | Model | Phone 14; Phone 15; Phone 15 Pro; Phone 16 | 0
tent-capacity | Capacity | 1-Person; 2-Person; 3-Person; 4-Person | 40
temperature | Temperature Rating | -7C; 0C; 7C | 25
bag-length | Length | Regular; Long | 15
pack-volume | Volume | 18L; 28L; 38L; 50L | 15
pack-color | Color | Forest; Slate; Rust; Black | 0
cream-size | Size | 30 ml; 50 ml; 100 ml | 8
cleanser-size | Size | 100 ml; 200 ml | 6
scent-size | Size | 15 ml; 50 ml; 100 ml | 30
"""

# handle | title | description, then vendors, adjectives and selling points
ROOTS_TABLE = """
apparel | Apparel | Everyday clothing built to last, from wardrobe staples to statement pieces.
    Northwind Supply; Harbor & Pine; Loomwell; Fieldnote Apparel; Common Thread Co.
    Classic; Relaxed; Essential; Tailored; Vintage; Lightweight; Heritage; Everyday
    Pre-washed for a soft hand and minimal shrinkage.; Cut for easy layering.; Ethically made in small batches.
footwear | Footwear | Shoes for running, hiking, the office and everything in between.
    Stridewell; Cobble & Co.; Trailmark; Pacer Athletics
    Classic; Featherweight; All-Terrain; Everyday; Retro; Performance; Minimal
    Cushioned footbed for all-day comfort.; Grippy rubber outsole.; Resoleable construction.
home | Home | Cookware, tableware and decor for a home that works as well as it looks.
    Hearth & Table; Kiln House; Lumen Living; Oak & Ember
    Modern; Rustic; Nordic; Handcrafted; Minimalist; Artisan; Stackable
    Designed in-house and made by family-run workshops.; Backed by a lifetime warranty.; Easy to care for.
electronics | Electronics | Audio gear, chargers and accessories for the devices you carry every day.
    Voltline; Sonora Audio; Pixelcraft; Amp & Ohm
    Wireless; Compact; Pro; Studio; Rugged; Ultra-Slim; Smart
    Two-year warranty included.; USB-C everywhere.; Ships with a recycled-fibre carry pouch.
outdoors | Outdoors | Camping and hiking gear tested on real trails.
    Summit Line; Basecamp Outfitters; Ridgeback; Wildgrain
    Ultralight; Expedition; Weekender; Alpine; Packable; Trail-Ready
    Packs down small.; Seam-taped and waterproof.; Repairable in the field.; Built from recycled materials.
beauty | Beauty | Skincare and fragrance made with fewer, better ingredients.
    Fern & Fig; Lumiere Botanics; Dew Theory
    Hydrating; Gentle; Daily; Restoring; Brightening; Calming
    Vegan and cruelty-free.; Refillable packaging.; Suitable for sensitive skin.
"""

# Titles of the categories between a root and its leaves.
BRANCHES: dict[str, str] = {
    "mens": "Men",
    "womens": "Women",
    "sneakers": "Sneakers",
    "kitchen": "Kitchen",
    "decor": "Decor",
    "audio": "Audio",
    "tech-accessories": "Accessories",
    "camping": "Camping",
    "hiking": "Hiking",
    "skincare": "Skincare",
}

# path | title | product type | price range | option sets, then nouns and materials
LEAVES_TABLE = """
apparel/mens/mens-shirts | Shirts | Shirt | 24-89 | clothing-size clothing-color
    Oxford Shirt; Flannel Shirt; Henley; Crew Tee; Polo
    Cotton; Linen; Chambray; Pima Cotton
apparel/mens/mens-jackets | Jackets | Jacket | 79-299 | clothing-size clothing-color
    Field Jacket; Bomber; Overshirt; Rain Shell; Puffer
    Waxed Canvas; Nylon; Wool; Denim
apparel/womens/womens-dresses | Dresses | Dress | 49-229 | clothing-size clothing-color
    Wrap Dress; Slip Dress; Shirt Dress; Midi Dress
    Silk; Linen; Viscose; Cotton Poplin
apparel/womens/womens-tops | Tops | Top | 19-149 | clothing-size clothing-color
    Blouse; Tank; Cardigan; Boatneck Tee
    Merino; Cotton; Cashmere; Modal
footwear/sneakers/running-shoes | Running | Running Shoe | 69-189 | shoe-size shoe-color
    Road Runner; Trainer; Racing Flat; Trail Runner
    Mesh; Knit; Recycled Mesh
footwear/sneakers/lifestyle-sneakers | Lifestyle | Sneaker | 49-159 | shoe-size shoe-color
    Court Sneaker; Low-Top; High-Top; Slip-On
    Canvas; Leather; Suede
footwear/boots | Boots | Boot | 99-349 | shoe-size shoe-color
    Chelsea Boot; Hiking Boot; Chukka; Work Boot
    Leather; Suede; Nubuck; Waxed Leather
footwear/sandals | Sandals | Sandal | 19-99 | shoe-size shoe-color
    Slide; Sport Sandal; Flip-Flop
    Cork; Leather; EVA Foam
home/kitchen/cookware | Cookware | Cookware | 29-349 | home-size
    Skillet; Dutch Oven; Saucepan; Wok
    Cast Iron; Stainless Steel; Carbon Steel; Enameled Cast Iron
home/kitchen/tableware | Tableware | Tableware | 19-129 | home-color
    Dinner Plate Set; Serving Bowl; Mug Set; Pasta Bowl Set
    Stoneware; Porcelain; Glass; Ceramic
home/decor/lighting | Lighting | Lamp | 39-399 | home-color
    Table Lamp; Floor Lamp; Pendant Light; Desk Lamp
    Brass; Rattan; Oak; Frosted Glass
home/decor/textiles | Textiles | Textile | 19-299 | home-color home-size
    Throw Blanket; Cushion Cover; Table Runner; Area Rug
    Wool; Linen; Jute; Organic Cotton
electronics/audio/headphones | Headphones | Headphones | 39-449 | tech-color
    Over-Ear Headphones; Earbuds; On-Ear Headphones
    Aluminum; Memory Foam; Vegan Leather
electronics/audio/speakers | Speakers | Speaker | 49-499 | tech-color
    Bluetooth Speaker; Bookshelf Speaker; Soundbar
    Fabric; Walnut; Aluminum
electronics/tech-accessories/chargers | Chargers | Charger | 15-129 | wattage tech-color
    Wall Charger; Power Bank; Charging Stand
    GaN; Aluminum; Silicone
electronics/tech-accessories/phone-cases | Phone Cases | Phone Case | 15-69 | phone-model tech-color
    Phone Case; Folio Case; Bumper Case
    Silicone; Leather; Recycled Plastic
outdoors/camping/tents | Tents | Tent | 99-449 | tent-capacity
    Dome Tent; Backpacking Tent; Tunnel Tent
    Ripstop Nylon; Polyester; Silnylon
outdoors/camping/sleeping-bags | Sleeping Bags | Sleeping Bag | 59-399 | temperature bag-length
    Mummy Bag; Quilt; Rectangular Bag
    Down; Synthetic Fill
outdoors/hiking/backpacks | Backpacks | Backpack | 39-299 | pack-volume pack-color
    Daypack; Trekking Pack; Hydration Pack
    Cordura; Ripstop Nylon; Canvas
beauty/skincare/moisturizers | Moisturizers | Moisturizer | 12-79 | cream-size
    Face Cream; Gel Moisturizer; Night Cream
    Hyaluronic; Ceramide; Squalane
beauty/skincare/cleansers | Cleansers | Cleanser | 9-45 | cleanser-size
    Foaming Cleanser; Cleansing Balm; Micellar Water
    Oat; Green Tea; Charcoal
beauty/fragrance | Fragrance | Fragrance | 29-189 | scent-size
    Eau de Parfum; Eau de Toilette; Body Mist
    Cedar; Vetiver; Neroli; Amber
"""


def _root(block: list[str]) -> RootSpec:
    handle, title, description = (part.strip() for part in block[0].split("|"))
    return RootSpec(handle, title, description, _items(block[1]), _items(block[2]), _items(block[3]))


def _leaf(block: list[str]) -> LeafSpec:
    path, title, product_type, prices, option_keys = (part.strip() for part in block[0].split("|"))
    low, high = (int(p) for p in prices.split("-"))
    options = tuple(OPTIONS[key] for key in option_keys.split())
    return LeafSpec(
        tuple(path.split("/")), title, product_type, (low, high), options, _items(block[1]), _items(block[2])
    )


def _option(line: str) -> tuple[str, OptionSpec]:
    key, name, values, step = (part.strip() for part in line.split("|"))
    return key, OptionSpec(name, _items(values), Decimal(step))


OPTIONS: dict[str, OptionSpec] = dict(_option(b[0]) for b in _blocks(OPTIONS_TABLE))
ROOTS: tuple[RootSpec, ...] = tuple(_root(b) for b in _blocks(ROOTS_TABLE))
LEAVES: tuple[LeafSpec, ...] = tuple(_leaf(b) for b in _blocks(LEAVES_TABLE))
ROOT_BY_HANDLE: dict[str, RootSpec] = {r.handle: r for r in ROOTS}
