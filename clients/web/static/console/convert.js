// Pure conversions of the console's forms: a wall-clock time in an IANA time zone to UTC and back, reais
// typed the Brazilian way to cents, and seat rows to the map a buyer will see.

// The zone's offset from UTC (milliseconds) at the instant `utcMs`.
function offsetAt(utcMs, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

// "2027-03-10T20:30" read in `timeZone` → "2027-03-10T23:30:00Z".
export function zonedToUtc(local, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || "");
  if (!match) return null;
  const wall = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
  let utc = wall - offsetAt(wall, timeZone);
  utc = wall - offsetAt(utc, timeZone); // a second pass settles the hour around a change of offset
  return new Date(utc).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// "2027-03-10T23:30:00Z" → "2027-03-10T20:30" as the clock in `timeZone` shows it (a datetime-local value).
export function utcToZoned(iso, timeZone) {
  if (!iso) return "";
  const utc = Date.parse(iso);
  return new Date(utc + offsetAt(utc, timeZone)).toISOString().slice(0, 16);
}

// "1.234,56", "1234,5", "R$ 90" or "90.00" → cents; null when it is not an amount.
export function parseMoney(text) {
  let value = String(text ?? "").replace(/R\$|\s/g, "");
  if (!value) return null;
  if (value.includes(",")) value = value.replace(/\./g, "").replace(",", ".");
  else if (/^\d{1,3}(\.\d{3})+$/.test(value)) value = value.replace(/\./g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
  return Math.round(parseFloat(value) * 100);
}

// 12345 → "123,45" (what the console puts back in a price field).
export function centsToInput(cents) {
  if (cents === null || cents === undefined) return "";
  return (cents / 100).toFixed(2).replace(".", ",");
}

// The seats a seated sector will get from its rows, as the API labels them ("B-12"), row by row.
export function seatsOfRows(rows) {
  return rows
    .filter((r) => r.row && r.seats > 0)
    .map((r) => ({ row: r.row, seats: Array.from({ length: r.seats }, (_, i) => ({ number: i + 1, label: `${r.row}-${i + 1}` })) }));
}

// The next row name after the last one: "A" → "B", "Z" → "AA", "9" → "10".
export function nextRowName(last) {
  if (!last) return "A";
  if (/^\d+$/.test(last)) return String(Number(last) + 1);
  if (/^Z+$/i.test(last)) return "A".repeat(last.length + 1);
  const code = last.toUpperCase().charCodeAt(last.length - 1);
  return last.slice(0, -1).toUpperCase() + String.fromCharCode(code + 1);
}

// Rows of a pt-BR CSV: ";" separators, quotes where needed, a BOM so spreadsheet programs read UTF-8.
export function csvText(rows) {
  const cell = (value) => {
    const text = String(value ?? "");
    return /[";\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return "\ufeff" + rows.map((row) => row.map(cell).join(";")).join("\r\n") + "\r\n";
}
