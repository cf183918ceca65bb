import type { ModelsService } from '../../preload/api/contract';
import type { LibraryHolder } from './library-service';
import { ModelList } from './model-list';

export function createModelsService(holder: LibraryHolder, list = new ModelList()): ModelsService {
  const library = () => holder.current?.root;
  return {
    list: async () => list.list(),
    add: async (kind, path) => list.add(kind, path),
    remove: async (kind, path) => list.remove(kind, path),
    choice: async () => list.choice(library()),
    choose: async (kind, path) => list.choose(library(), kind, path),
  };
}
