;; Column-major → row-major transpose of one uint8 plane, with WebAssembly SIMD (v128).
;; Built into transpose.wasm by scripts/build-wasm.ts (wabt); a unit test (transpose-wasm-build.test.ts)
;; checks that the committed binary is exactly what this text compiles to. Loaded by wasm.ts, which places
;; the source and the destination in this module's memory.
;;
;; MATLAB stores an H×W frame column by column: byte (row, col) is at src + col·H + row. Row-major puts it at
;; dst + row·W + col. Seen as a W×H matrix (one row per MATLAB column), that is a plain transpose.
(module
  ;; Grown from JavaScript to hold the source and the destination (wasm.ts).
  (memory (export "memory") 1)

  ;; Transposes the 16×16 block whose top-left sample is (row r, col c): 16 loads of 16 rows from 16
  ;; neighbouring columns, 4 rounds of byte interleaving, 16 stores of 16 columns into 16 rows.
  ;; `src` = plane + c·H + r, `dst` = plane + r·W + c.
  ;;
  ;; Each round pairs vector k with vector k + 8 and interleaves their bytes: new[2k] takes the low halves,
  ;; new[2k + 1] the high ones. Numbering a byte by the 8 bits (vector index, byte index) = (a3 a2 a1 a0
  ;; b3 b2 b1 b0), one round moves it to (a2 a1 a0 b3 b2 b1 b0 a3), a rotation by one bit; four rounds
  ;; swap the two indices, which is the transpose. V8 compiles these interleaving shuffles to single
  ;; instructions (punpcklbw / punpckhbw on x64, seen with --print-wasm-code; zip1 / zip2 on arm64). 8×8
  ;; blocks (64-bit loads, three rounds, 64-bit stores) measured slower, 2.8 against 2.1 ms for 48 frames
  ;; of 600×800: twice the loads and stores per byte.
  (func $block (param $src i32) (param $dst i32) (param $h i32) (param $w i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (local $v8 v128) (local $v9 v128) (local $v10 v128) (local $v11 v128)
    (local $v12 v128) (local $v13 v128) (local $v14 v128) (local $v15 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $t4 v128) (local $t5 v128) (local $t6 v128) (local $t7 v128)
    (local $t8 v128) (local $t9 v128) (local $t10 v128) (local $t11 v128)
    (local $t12 v128) (local $t13 v128) (local $t14 v128) (local $t15 v128)
    ;; vector k = rows r..r+15 of column c + k
    (local.set $v0 (v128.load align=1 (local.get $src)))
    (local.set $v1 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v2 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v3 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v4 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v5 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v6 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v7 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v8 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v9 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v10 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v11 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v12 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v13 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v14 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    (local.set $v15 (v128.load align=1 (local.tee $src (i32.add (local.get $src) (local.get $h)))))
    ;; round 1
    (local.set $t0 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v0) (local.get $v8)))
    (local.set $t1 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v0) (local.get $v8)))
    (local.set $t2 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v1) (local.get $v9)))
    (local.set $t3 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v1) (local.get $v9)))
    (local.set $t4 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v2) (local.get $v10)))
    (local.set $t5 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v2) (local.get $v10)))
    (local.set $t6 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v3) (local.get $v11)))
    (local.set $t7 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v3) (local.get $v11)))
    (local.set $t8 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v4) (local.get $v12)))
    (local.set $t9 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v4) (local.get $v12)))
    (local.set $t10 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v5) (local.get $v13)))
    (local.set $t11 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v5) (local.get $v13)))
    (local.set $t12 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v6) (local.get $v14)))
    (local.set $t13 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v6) (local.get $v14)))
    (local.set $t14 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v7) (local.get $v15)))
    (local.set $t15 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v7) (local.get $v15)))
    ;; round 2
    (local.set $v0 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t0) (local.get $t8)))
    (local.set $v1 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t0) (local.get $t8)))
    (local.set $v2 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t1) (local.get $t9)))
    (local.set $v3 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t1) (local.get $t9)))
    (local.set $v4 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t2) (local.get $t10)))
    (local.set $v5 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t2) (local.get $t10)))
    (local.set $v6 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t3) (local.get $t11)))
    (local.set $v7 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t3) (local.get $t11)))
    (local.set $v8 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t4) (local.get $t12)))
    (local.set $v9 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t4) (local.get $t12)))
    (local.set $v10 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t5) (local.get $t13)))
    (local.set $v11 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t5) (local.get $t13)))
    (local.set $v12 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t6) (local.get $t14)))
    (local.set $v13 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t6) (local.get $t14)))
    (local.set $v14 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t7) (local.get $t15)))
    (local.set $v15 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t7) (local.get $t15)))
    ;; round 3
    (local.set $t0 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v0) (local.get $v8)))
    (local.set $t1 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v0) (local.get $v8)))
    (local.set $t2 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v1) (local.get $v9)))
    (local.set $t3 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v1) (local.get $v9)))
    (local.set $t4 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v2) (local.get $v10)))
    (local.set $t5 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v2) (local.get $v10)))
    (local.set $t6 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v3) (local.get $v11)))
    (local.set $t7 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v3) (local.get $v11)))
    (local.set $t8 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v4) (local.get $v12)))
    (local.set $t9 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v4) (local.get $v12)))
    (local.set $t10 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v5) (local.get $v13)))
    (local.set $t11 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v5) (local.get $v13)))
    (local.set $t12 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v6) (local.get $v14)))
    (local.set $t13 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v6) (local.get $v14)))
    (local.set $t14 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v7) (local.get $v15)))
    (local.set $t15 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $v7) (local.get $v15)))
    ;; round 4
    (local.set $v0 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t0) (local.get $t8)))
    (local.set $v1 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t0) (local.get $t8)))
    (local.set $v2 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t1) (local.get $t9)))
    (local.set $v3 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t1) (local.get $t9)))
    (local.set $v4 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t2) (local.get $t10)))
    (local.set $v5 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t2) (local.get $t10)))
    (local.set $v6 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t3) (local.get $t11)))
    (local.set $v7 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t3) (local.get $t11)))
    (local.set $v8 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t4) (local.get $t12)))
    (local.set $v9 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t4) (local.get $t12)))
    (local.set $v10 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t5) (local.get $t13)))
    (local.set $v11 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t5) (local.get $t13)))
    (local.set $v12 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t6) (local.get $t14)))
    (local.set $v13 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t6) (local.get $t14)))
    (local.set $v14 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $t7) (local.get $t15)))
    (local.set $v15 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $t7) (local.get $t15)))
    ;; vector k = columns c..c+15 of row r + k
    (v128.store align=1 (local.get $dst) (local.get $v0))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v1))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v2))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v3))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v4))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v5))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v6))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v7))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v8))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v9))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v10))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v11))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v12))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v13))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v14))
    (v128.store align=1 (local.tee $dst (i32.add (local.get $dst) (local.get $w))) (local.get $v15))
  )

  ;; One sample at a time: planes narrower or shorter than a block.
  (func $scalar (param $src i32) (param $dst i32) (param $h i32) (param $w i32)
    (local $row i32) (local $col i32) (local $out i32)
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $col) (local.get $w)))
        (local.set $row (i32.const 0))
        (local.set $out (i32.add (local.get $dst) (local.get $col)))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $row) (local.get $h)))
            (i32.store8 (local.get $out) (i32.load8_u (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 1)))
            (local.set $out (i32.add (local.get $out) (local.get $w)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rows)))
        (local.set $col (i32.add (local.get $col) (i32.const 1)))
        (br $cols)))
  )

  ;; transpose_u8(src, dst, h, w): the column-major h×w plane at `src` into the row-major one at `dst`
  ;; (the two must not overlap). Blocks run along each strip of 16 rows, so that the destination is
  ;; written in order (a little faster than running down strips of columns). When a side is not a
  ;; multiple of 16, the last block of that side is moved back to end at the edge: it overlaps the one
  ;; before and writes some samples twice, with the same values, which costs less than a scalar edge.
  (func (export "transpose_u8") (param $src i32) (param $dst i32) (param $h i32) (param $w i32)
    (local $r i32) (local $c i32) (local $rr i32) (local $cc i32)
    (if (i32.or (i32.lt_u (local.get $h) (i32.const 16)) (i32.lt_u (local.get $w) (i32.const 16)))
      (then
        (call $scalar (local.get $src) (local.get $dst) (local.get $h) (local.get $w))
        (return)))
    (loop $rows
      (local.set $rr (select (local.get $r) (i32.sub (local.get $h) (i32.const 16))
        (i32.le_u (local.get $r) (i32.sub (local.get $h) (i32.const 16)))))
      (local.set $c (i32.const 0))
      (loop $cols
        (local.set $cc (select (local.get $c) (i32.sub (local.get $w) (i32.const 16))
          (i32.le_u (local.get $c) (i32.sub (local.get $w) (i32.const 16)))))
        (call $block
          (i32.add (local.get $src) (i32.add (i32.mul (local.get $cc) (local.get $h)) (local.get $rr)))
          (i32.add (local.get $dst) (i32.add (i32.mul (local.get $rr) (local.get $w)) (local.get $cc)))
          (local.get $h) (local.get $w))
        (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $w))))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $h))))
  )
)
