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

// Time left as people say it: "14:59" within the hour, "2 h 05 min" within the day, "3 dias e 9 h" beyond.
export function formatCountdown(milliseconds) {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (days > 0) return `${days} ${days === 1 ? "dia" : "dias"}${hours ? ` e ${hours} h` : ""}`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  return `${minutes}:${String(total % 60).padStart(2, "0")}`;
}

// The convenience fee of one ticket: the event's percent of its price, rounded down to the cent.
export function feeOf(priceCents, percent) {
  return Math.floor((priceCents * (percent || 0)) / 100);
}

// Order statuses whose places can no longer be paid for.
export const CLOSED_STATUSES = ["expired", "cancelled", "refunded"];

// Who is entitled to half price and what to show at the door (Lei 12.933/2013, Decreto 8.537/2015,
// Estatuto da Pessoa Idosa; teachers by state and city laws).
export const HALF_PROOFS = {
  student: "carteira de identificação estudantil (CIE) válida",
  youth_low_income: "ID Jovem com documento de identidade",
  disability: "cartão do BPC ou documento que comprove a deficiência",
  disability_companion: "acompanhante de pessoa com deficiência, junto dela",
  elderly: "documento com foto que mostre 60 anos ou mais",
  teacher: "comprovante de professor(a) da rede de ensino, quando a lei local dá o direito",
};

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

// Waiting-list entries (issue 18), as the buyer reads them under "Meus pedidos".
export const WAITLIST_STATUS = {
  waiting: "Na lista de espera",
  offered: "Lugares oferecidos: pague para garantir",
  converted: "Comprado pela lista de espera",
  lapsed: "Oferta expirada",
  cancelled: "Você saiu da lista",
};
