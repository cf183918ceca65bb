import type { GenerationsService } from '../../preload/api/contract';
import { chooseGeneration, discardGeneration } from '../catalog/queries/chosen-shots';
import type { LibraryHolder } from './library-service';

export function createGenerationsService(holder: LibraryHolder): GenerationsService {
  return {
    choose: async (id) => chooseGeneration(holder.require(), id),
    discard: async (id) => {
      discardGeneration(holder.require(), id);
      return true;
    },
  };
}
