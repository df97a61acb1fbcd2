/** Binary classification figures: accuracy and macro-F1 (the mean of the positive and the negative class's F1). */
export interface BinaryScores {
  n: number;
  accuracy: number;
  macroF1: number;
}

/** Scores predictions against labels (1 positive, 0 negative), both in the same order. */
export function binaryScores(labels: ArrayLike<number>, predictions: ArrayLike<number>): BinaryScores {
  if (labels.length !== predictions.length) throw new Error(`${labels.length} labels but ${predictions.length} predictions`);
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const actual = labels[i] === 1;
    const predicted = predictions[i] === 1;
    if (actual && predicted) tp++;
    else if (!actual && !predicted) tn++;
    else if (predicted) fp++;
    else fn++;
  }
  const f1 = (hit: number, falsePos: number, falseNeg: number) => (hit === 0 ? 0 : (2 * hit) / (2 * hit + falsePos + falseNeg));
  const n = labels.length;
  return { n, accuracy: n ? (tp + tn) / n : NaN, macroF1: (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2 };
}
