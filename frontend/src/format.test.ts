import { describe, expect, it } from "vitest";

import { errorMessage, query } from "./api";
import { btc, isoDay, riskColour, riskLevel, shortId, stamp } from "./format";

describe("figures", () => {
  it("shows satoshis as bitcoin to the satoshi", () => {
    expect(btc(150_000_001)).toBe("1.50000001 BTC");
    expect(btc(null)).toBe("–");
  });

  it("uses the screening API's levels", () => {
    expect([0.95, 0.65, 0.3, 0.1, null].map(riskLevel)).toEqual(["severe", "high", "medium", "low", "unscored"]);
  });

  it("colours from green to red, grey when unscored", () => {
    expect(riskColour(0)).toBe("rgb(46, 160, 67)");
    expect(riskColour(1)).toBe("rgb(200, 30, 30)");
    expect(riskColour(null)).toBe("#9aa5b1");
  });

  it("shows server timestamps to the minute or the second", () => {
    expect(stamp("2026-11-22T15:48:13.123456Z")).toBe("2026-11-22 15:48");
    expect(stamp("2026-11-22T15:48:13.123456Z", true)).toBe("2026-11-22 15:48:13");
  });

  it("shortens long ids in the middle", () => {
    expect(shortId("bc1qabcdefghijklmnopqrstuvwxyz", 4)).toBe("bc1q…wxyz");
    expect(shortId("short", 4)).toBe("short");
  });
});

describe("the API's answers", () => {
  it("takes DRF's detail, or the first field's complaint", () => {
    expect(errorMessage({ detail: "no such case" }, 404)).toBe("no such case");
    expect(errorMessage({ ids: ["This list may not be empty."] }, 400)).toBe("ids: This list may not be empty.");
    expect(errorMessage(null, 502)).toBe("the server answered 502");
  });

  it("repeats list parameters and leaves out empty ones", () => {
    expect(query({ status: ["new", "acknowledged"], source: "", limit: 50 })).toBe(
      "?status=new&status=acknowledged&limit=50",
    );
  });
});

describe("ISO days", () => {
  it("takes a day that exists, written yyyy-mm-dd, and nothing else", () => {
    expect(isoDay("2024-02-29")).toBe("2024-02-29");
    expect(isoDay("2023-02-29")).toBeNull(); // not a leap year
    expect(isoDay("02/29/2024")).toBeNull(); // en-US order
    expect(isoDay("2024-2-9")).toBeNull();
    expect(isoDay("")).toBeNull();
  });
});
