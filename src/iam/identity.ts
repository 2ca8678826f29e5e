const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** A number for the object itself, not its contents: equal numbers mean the very same object. */
export function identity(object: object): number {
  let id = identities.get(object);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(object, id);
  }
  return id;
}
