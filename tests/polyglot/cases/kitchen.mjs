// kitchen: consumer (C) composed with a provider (C or C++) of r2:kitchen/api.
export const cases = [
  { call: "run()", type: "string", js: (m) => m.run() },
];
