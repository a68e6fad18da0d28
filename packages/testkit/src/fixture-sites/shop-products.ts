export interface ShopProduct {
  name: string;
  priceGbp: number;
  /** Average review score out of 5. */
  rating: number;
}

function product(name: string, priceGbp: number, rating: number): ShopProduct {
  return { name, priceGbp, rating };
}

export const shopPageSize = 10;

/** All 23 products, in the order the shop lists them (10 per page: 10, 10, 3). */
export const shopProducts: readonly ShopProduct[] = [
  product('Ceramic Pour-Over Coffee Dripper', 24.0, 4.6),
  product('Stainless Steel Milk Jug', 12.5, 4.2),
  product('Burr Coffee Grinder', 89.99, 4.8),
  product('Glass Cold Brew Bottle', 18.75, 4.1),
  product('Bamboo Cutting Board', 21.0, 4.4),
  product('Cast Iron Skillet 26 cm', 39.95, 4.7),
  product('Linen Tea Towel Set', 14.0, 3.9),
  product('Digital Kitchen Scale', 22.49, 4.5),
  product('Enamel Dutch Oven', 74.0, 4.9),
  product('Silicone Baking Mat', 9.99, 4.0),
  product('Chef Knife 20 cm', 64.5, 4.6),
  product('Olive Wood Spoon Set', 16.0, 4.3),
  product('French Press 1 L', 27.0, 4.2),
  product('Spice Jar Rack', 31.5, 3.8),
  product('Stoneware Mixing Bowl', 19.95, 4.4),
  product('Copper Measuring Cups', 28.0, 4.1),
  product('Electric Gooseneck Kettle', 59.0, 4.7),
  product('Marble Pestle and Mortar', 26.5, 4.5),
  product('Reusable Beeswax Wraps', 11.0, 3.7),
  product('Cake Stand with Dome', 34.0, 4.3),
  product('Porcelain Espresso Cups (4)', 23.0, 4.0),
  product('Herb Keeper', 15.5, 3.6),
  product('Oak Bread Bin', 45.0, 4.8),
];

export const shopPageCount = Math.ceil(shopProducts.length / shopPageSize);
