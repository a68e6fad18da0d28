export type ModelProvider = 'openai' | 'anthropic' | 'google' | 'openai-compatible';

/** US dollars per million tokens. */
export interface ModelPrice {
  inputPerMillionTokens: number;
  outputPerMillionTokens: number;
  /** Price of prompt tokens served from the provider's cache; input price when absent. */
  cachedInputPerMillionTokens?: number;
}

export interface ModelSettings {
  provider: ModelProvider;
  /** Model behind `agent: "smooth"`. */
  model: string;
  /** Model behind `agent: "smooth-lite"`. */
  liteModel: string;
  baseUrl?: string;
  apiKey?: string;
  /** Overrides the built-in price table for the main model. */
  price?: ModelPrice;
  /** Overrides the built-in price table for the lite model. */
  litePrice?: ModelPrice;
  /** Whether the main / lite model takes images; known vision model ids when absent. */
  vision?: boolean;
  liteVision?: boolean;
}

export type ModelTier = 'smooth' | 'smooth-lite';
