"""Collections, menus, pages and the shop, in the shapes of Shopify's Storefront API."""
