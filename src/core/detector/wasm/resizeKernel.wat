;; The exact bilinear kernel of preprocess.ts, split in its two passes (see resizeKernel.ts).
(module
  (memory (export "memory") 1)

  ;; One source row blended horizontally: for each run r of output columns sharing the taps
  ;; (byte offsets b0[r], b1[r] within the row), h[k·nc + ci] = w0[ci]·src[b0 + ck] + w1[ci]·src[b1 + ck].
  (func (export "hrow")
    (param $row i32) (param $h i32) (param $nc i32) (param $runs i32)
    (param $start i32) (param $b0 i32) (param $b1 i32) (param $w0 i32) (param $w1 i32)
    (param $c0 i32) (param $c1 i32) (param $c2 i32)
    (local $r i32) (local $ci i32) (local $end i32) (local $p0 i32) (local $p1 i32)
    (local $a0 f64) (local $a1 f64) (local $a2 f64) (local $d0 f64) (local $d1 f64) (local $d2 f64)
    (local $x0 f64) (local $x1 f64) (local $o i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $nc) (i32.const 3)))
    (block $done
      (loop $runs_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $runs)))
        (local.set $p0 (i32.add (local.get $row)
          (i32.load (i32.add (local.get $b0) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $p1 (i32.add (local.get $row)
          (i32.load (i32.add (local.get $b1) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $a0 (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p0) (local.get $c0)))))
        (local.set $a1 (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p0) (local.get $c1)))))
        (local.set $a2 (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p0) (local.get $c2)))))
        (local.set $d0 (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p1) (local.get $c0)))))
        (local.set $d1 (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p1) (local.get $c1)))))
        (local.set $d2 (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p1) (local.get $c2)))))
        (local.set $ci (i32.load (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load (i32.add (local.get $start)
          (i32.shl (i32.add (local.get $r) (i32.const 1)) (i32.const 2)))))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $ci) (local.get $end)))
            (local.set $x0 (f64.load (i32.add (local.get $w0) (i32.shl (local.get $ci) (i32.const 3)))))
            (local.set $x1 (f64.load (i32.add (local.get $w1) (i32.shl (local.get $ci) (i32.const 3)))))
            (local.set $o (i32.add (local.get $h) (i32.shl (local.get $ci) (i32.const 3))))
            (f64.store (local.get $o)
              (f64.add (f64.mul (local.get $x0) (local.get $a0)) (f64.mul (local.get $x1) (local.get $d0))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f64.store (local.get $o)
              (f64.add (f64.mul (local.get $x0) (local.get $a1)) (f64.mul (local.get $x1) (local.get $d1))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f64.store (local.get $o)
              (f64.add (f64.mul (local.get $x0) (local.get $a2)) (f64.mul (local.get $x1) (local.get $d2))))
            (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $runs_loop))))

  ;; One output row of one channel: out[i·step] = f32((wy0·h0[i] + wy1·h1[i])·s + o), i < n,
  ;; two columns at a time (f64x2 lanes round exactly as scalar f64).
  (func (export "vrow")
    (param $out i32) (param $step i32) (param $h0 i32) (param $h1 i32) (param $n i32)
    (param $wy0 f64) (param $wy1 f64) (param $s f64) (param $o f64)
    (local $i i32) (local $v f64) (local $pair i32)
    (local $W0 v128) (local $W1 v128) (local $S v128) (local $O v128) (local $q v128)
    (if (i32.eq (local.get $step) (i32.const 4))
      (then
        (local.set $W0 (f64x2.splat (local.get $wy0)))
        (local.set $W1 (f64x2.splat (local.get $wy1)))
        (local.set $S (f64x2.splat (local.get $s)))
        (local.set $O (f64x2.splat (local.get $o)))
        (local.set $pair (i32.and (local.get $n) (i32.const -2)))
        (block $pdone
          (loop $pairs
            (br_if $pdone (i32.ge_u (local.get $i) (local.get $pair)))
            (local.set $q
              (f32x4.demote_f64x2_zero
                (f64x2.add
                  (f64x2.mul
                    (f64x2.add
                      (f64x2.mul (local.get $W0)
                        (v128.load (i32.add (local.get $h0) (i32.shl (local.get $i) (i32.const 3)))))
                      (f64x2.mul (local.get $W1)
                        (v128.load (i32.add (local.get $h1) (i32.shl (local.get $i) (i32.const 3))))))
                    (local.get $S))
                  (local.get $O))))
            (v128.store64_lane 0 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $q))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))))
    (block $done
      (loop $rest
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v
          (f64.add
            (f64.mul
              (f64.add
                (f64.mul (local.get $wy0) (f64.load (i32.add (local.get $h0) (i32.shl (local.get $i) (i32.const 3)))))
                (f64.mul (local.get $wy1) (f64.load (i32.add (local.get $h1) (i32.shl (local.get $i) (i32.const 3))))))
              (local.get $s))
            (local.get $o)))
        (f32.store (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $step))) (f32.demote_f64 (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))
)
