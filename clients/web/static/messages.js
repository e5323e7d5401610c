// What the buyer reads when the API says no: Portuguese, from the problem's `type` (its last path segment)
// and each `errors[].field`. The API stays English and stable; its English words never reach the page.

const FIELD_NAMES = {
  name: "Nome completo",
  email: "E-mail",
  cpf: "CPF",
  password: "Senha",
  "card.number": "Número do cartão",
  "card.holder": "Nome impresso no cartão",
  "card.exp_month": "Validade",
  "card.exp_year": "Validade",
  "card.cvv": "CVV",
  installments: "Parcelas",
  half_category: "Categoria da meia-entrada",
  quantity: "Quantidade",
  code: "Código",
  new_password: "Nova senha",
};

// One field's message, from the field and (for the password rules) the API's English words.
export function fieldMessage(field, english = "") {
  const said = String(english).toLowerCase();
  const key = String(field || "").replace(/^body\./, "").replace(/^tickets\.\d+\./, "").replace(/^products\.\d+\./, "");
  if (key === "cpf") return "CPF inválido: confira os 11 dígitos.";
  if (key === "password" || key === "new_password") {
    if (said.includes("upper")) return "A senha precisa de pelo menos uma letra maiúscula.";
    if (said.includes("lower")) return "A senha precisa de pelo menos uma letra minúscula.";
    if (said.includes("digit") || said.includes("number")) return "A senha precisa de pelo menos um número.";
    if (said.includes("symbol") || said.includes("special")) return "A senha precisa de pelo menos um símbolo (como ! ou #).";
    if (said.includes("least") || said.includes("short") || said.includes("length") || said.includes("character")) {
      return "A senha precisa de pelo menos 8 caracteres.";
    }
    return "Senha fraca: use 8 caracteres ou mais, com maiúsculas, minúsculas, números e símbolos.";
  }
  if (key === "email") return "E-mail inválido: confira o endereço.";
  if (key === "name") return "Informe seu nome completo.";
  if (key === "card.number") return "Número de cartão inválido: confira os dígitos.";
  if (key === "card.holder") return "Informe o nome como está impresso no cartão.";
  if (key === "card.exp_month" || key === "card.exp_year") return "Validade inválida ou cartão vencido (use MM/AA).";
  if (key === "card.cvv") return "CVV inválido: são os 3 ou 4 dígitos do verso do cartão.";
  if (key === "installments") return "Número de parcelas não permitido (cada parcela a partir de R$ 5,00).";
  if (key === "half_category") return "Escolha a categoria da meia-entrada.";
  if (key === "quantity") return "Quantidade inválida.";
  if (key === "code") return "Informe o código recebido por e-mail.";
  return `${FIELD_NAMES[key] || "Campo"}: valor inválido.`;
}

const PROBLEMS = {
  "seat-unavailable": "Um dos assentos escolhidos acabou de ser reservado por outra pessoa.",
  "sold-out": "Esgotado: não há mais lugares suficientes neste setor.",
  "out-of-stock": "Um dos adicionais esgotou. Diminua a quantidade ou tire o adicional.",
  "limit-exceeded": "Passa do limite deste evento (ingressos por pedido, por CPF ou a cota de meia-entrada).",
  "invalid-state": "Este pedido não está numa situação que permita isso (ele pode ter expirado, sido pago ou cancelado).",
  "hold-expired": "O prazo da reserva terminou e os lugares voltaram à venda.",
  "email-taken": "Já existe uma conta com este e-mail. Entre com sua senha ao lado.",
  unauthorized: "Entre na sua conta para continuar.",
  forbidden: "Sua conta não tem permissão para isso.",
  "not-found": "Não encontramos o que você procurou.",
  "idempotency-conflict": "Este pedido já foi enviado com outros dados. Recarregue a página.",
  "idempotency-in-progress": "Ainda estamos processando seu pedido anterior. Aguarde um instante.",
  "admission-required": "Este evento tem fila de espera: entre na fila para comprar.",
  unavailable: "O serviço está sobrecarregado. Tente de novo em alguns segundos.",
  malformed: "Não foi possível enviar os dados. Recarregue a página e tente de novo.",
  validation: "Confira os campos marcados.",
};

// The whole problem as one Portuguese sentence (what a box above the form says).
export function problemMessage(name, status, detail) {
  if (name === "unreachable") return detail || "Não foi possível falar com o servidor. Verifique sua conexão.";
  if (PROBLEMS[name]) return PROBLEMS[name];
  if (status >= 500) return "Algo deu errado do nosso lado. Tente de novo em instantes.";
  return "Não foi possível concluir. Confira os dados e tente de novo.";
}
