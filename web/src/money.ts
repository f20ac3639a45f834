// The server's arithmetic of a waybill (src/domain/validation.rs), in
// decimals (big.js), never floats: line amount = round(quantity x unit
// price), line VAT = round(amount x rate / 100), both half away from zero to
// cents; totals are the sums, gross = net + VAT, weight summed exactly.

import Big from "big.js";

export function roundMoney(value: Big): Big {
  return value.round(2, Big.roundHalfUp);
}

export interface LineMoney {
  amount: string;
  vat: string;
}

/** A line's amount and VAT from API decimal strings. */
export function lineMoney(quantity: string, unitPrice: string, vatRate: string): LineMoney {
  const amount = roundMoney(new Big(quantity).times(unitPrice));
  const vat = roundMoney(amount.times(vatRate).div(100));
  return { amount: amount.toFixed(2), vat: vat.toFixed(2) };
}

export interface Sums {
  net_amount: string;
  vat_amount: string;
  gross_amount: string;
  gross_weight_kg: string;
}

/** The document totals of computed lines. */
export function totalsOf(lines: { money: LineMoney; gross_weight_kg: string }[]): Sums {
  let net = new Big(0);
  let vat = new Big(0);
  let weight = new Big(0);
  for (const line of lines) {
    net = net.plus(line.money.amount);
    vat = vat.plus(line.money.vat);
    weight = weight.plus(line.gross_weight_kg);
  }
  return {
    net_amount: net.toFixed(2),
    vat_amount: vat.toFixed(2),
    gross_amount: net.plus(vat).toFixed(2),
    gross_weight_kg: weight.toFixed(),
  };
}

/** Whether two decimal strings are the same number. */
export function sameNumber(a: string, b: string): boolean {
  return new Big(a).eq(b);
}
