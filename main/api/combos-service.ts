import type { CombosService } from '../../preload/api/contract';
import type { ComboInputRecord, ComboRecord } from '../../preload/api/library-types';
import { createCombo, deleteCombo, getCombo, listCombos, updateCombo, type Combo, type ComboInput } from '../catalog/index';
import type { LibraryHolder } from './library-service';
import { outfitMethods } from './outfit-methods';

function toRecord(c: Combo): ComboRecord {
  return {
    id: c.id,
    name: c.name,
    notes: c.notes,
    items: c.items.map((i) => ({ garmentId: i.garmentId, sku: i.sku, colorwayId: i.colorwayId, role: i.role, layer: i.layer })),
    updatedAt: c.updatedAt,
  };
}

function toInput(r: ComboInputRecord): ComboInput {
  return {
    name: r.name,
    ...(r.notes !== undefined ? { notes: r.notes } : {}),
    items: r.items.map((i) => ({ garment: i.garment, role: i.role, ...(i.colorwayId !== undefined ? { colorwayId: i.colorwayId } : {}), ...(i.layer !== undefined ? { layer: i.layer } : {}) })),
  };
}

export function createCombosService(holder: LibraryHolder): CombosService {
  return {
    list: async () => listCombos(holder.require()).map(toRecord),
    get: async (id) => toRecord(getCombo(holder.require(), id)),
    create: async (input) => toRecord(createCombo(holder.require(), toInput(input))),
    update: async (id, input) => toRecord(updateCombo(holder.require(), id, toInput(input))),
    remove: async (id) => deleteCombo(holder.require(), id),
    ...outfitMethods(holder),
  };
}
