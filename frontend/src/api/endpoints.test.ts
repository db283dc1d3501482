import { describe, expect, it } from "vitest";

import { at } from "./endpoints";

describe("at", () => {
  it("turns a schema template into the path api() takes, relative to /api/v1/", () => {
    expect(at("/api/v1/watchlists/{watchlist_id}/entries/{entry_id}/", { watchlist_id: 3, entry_id: 41 })).toBe(
      "watchlists/3/entries/41/",
    );
    expect(at("/api/v1/cases/")).toBe("cases/");
  });

  it("encodes a parameter as typed, so a search term cannot reach another path", () => {
    expect(at("/api/v1/addresses/{address}/exposure/", { address: "a/b?c" })).toBe("addresses/a%2Fb%3Fc/exposure/");
  });
});
