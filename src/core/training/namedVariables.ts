import * as tf from '@tensorflow/tfjs';

/** Plain arrays of every trained parameter, by its TF weight name (checkpoint and export form). */
export type HeadParams = Record<string, Float32Array>;

// tfjs variable names are global to the process; a second run (a test, a resume) needs new ones.
let instance = 0;

/**
 * The trainable parameters of one part of the network (heads, extra layers, the whole network) as
 * tfjs variables by their TF weight names: what the optimizer, the weight average, checkpoints and
 * the export see, the same for every mode.
 */
export abstract class NamedVariables {
  protected readonly vars = new Map<string, tf.Variable>();

  /** `prefix` keeps the process-wide tfjs names of the parts apart in messages. */
  protected constructor(private readonly prefix: string) {}

  /** Makes `name` a trainable variable of `shape` holding `value`. */
  protected addVariable(name: string, value: Float32Array, shape: number[]): tf.Variable {
    const v = tf.variable(tf.tensor(value, shape), true, `${this.prefix}${instance++}/${name}`);
    this.vars.set(name, v);
    return v;
  }

  /** The variable behind a parameter name (for the optimizer). */
  variableName(param: string): string | undefined {
    return this.vars.get(param)?.name;
  }

  /** Every parameter by its name (checkpoint and export form). */
  params(): HeadParams {
    const out: HeadParams = {};
    for (const [name, v] of this.vars) out[name] = Float32Array.from(v.dataSync() as Float32Array);
    return out;
  }

  /** Sets every parameter from its named array (the averaged weights, a checkpoint); same shapes. */
  assign(params: HeadParams): void {
    for (const [name, v] of this.vars) {
      const value = params[name];
      if (!value || value.length !== v.size) throw new Error(`no parameter ${name} of ${v.size}`);
      tf.tidy(() => v.assign(tf.tensor(value, v.shape)));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
