/**
 * Where an observed element lives: its frame (CDP frame id) and its slot in that frame's generation
 * of references, kept in our isolated world. Plain data: an observation can be copied or
 * serialized; the page cannot forge or redirect it, since the slots live where no page script reaches.
 */
export interface ElementReference {
  frameId: string;
  generation: string;
  localIndex: number;
}
