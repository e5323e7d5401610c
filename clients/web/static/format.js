// Brazilian formats: money as "R$ 1.234,56", times in the event's time zone.
const money = new Intl.NumberFormat("pt-BR", { style: "currency", currency: "BRL" });

export function formatMoney(cents) {
  if (cents === null || cents === undefined) return "—";
  // Intl puts a no-break space after "R$"; a plain space reads and copies the same everywhere.
  return money.format(cents / 100).replace(/\u00a0/g, " ");
}

export function formatDateTime(iso, timeZone, options = {}) {
  if (!iso) return "—";
  const format = new Intl.DateTimeFormat("pt-BR", {
    timeZone: timeZone || "America/Sao_Paulo",
    dateStyle: options.dateStyle || "medium",
    timeStyle: options.timeStyle || "short",
  });
  return format.format(new Date(iso));
}

export function formatLongDate(iso, timeZone) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("pt-BR", {
    timeZone: timeZone || "America/Sao_Paulo",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(iso));
}

export function formatDate(isoDate) {
  if (!isoDate) return "—";
  const [year, month, day] = isoDate.slice(0, 10).split("-");
  return `${day}/${month}/${year}`;
}

// The 47-digit boleto line grouped as printed: AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE
export function formatBoletoLine(digits) {
  const only = String(digits || "").replace(/\D/g, "");
  if (only.length !== 47) return digits || "";
  return `${only.slice(0, 5)}.${only.slice(5, 10)} ${only.slice(10, 15)}.${only.slice(15, 21)} ` +
    `${only.slice(21, 26)}.${only.slice(26, 32)} ${only[32]} ${only.slice(33)}`;
}

export function formatCountdown(milliseconds) {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

export const HALF_CATEGORIES = {
  student: "Estudante",
  youth_low_income: "Jovem de baixa renda (ID Jovem)",
  disability: "Pessoa com deficiência",
  disability_companion: "Acompanhante de pessoa com deficiência",
  elderly: "Pessoa idosa (60+)",
  teacher: "Professor(a)",
};

export const ORDER_STATUS = {
  reserved: "Reservado",
  awaiting_payment: "Aguardando pagamento",
  paid: "Pago",
  expired: "Expirado",
  cancelled: "Cancelado",
  refunded: "Reembolsado",
};

export const PAYMENT_STATUS = {
  pending: "Pendente",
  approved: "Aprovado",
  declined: "Recusado",
  expired: "Expirado",
  refund_due: "Reembolso devido",
  refunded: "Reembolsado",
};
