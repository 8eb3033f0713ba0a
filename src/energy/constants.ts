/**
 * Energy-model assumptions that belong to no tech node, each with its source. Node-dependent
 * energies live in the tech files (`energy:`), power figures in the profiles (`power:`).
 */

/**
 * Largest SRAM array a shared level (L2) is read from: a big cache is built of banks, and one
 * access reads one bank. Assumption: 1 MiB, the largest array in Horowitz's 45 nm table
 * (ISSCC 2014: 64-bit read of a 1 MB cache, 100 pJ); CACTI-style banking would give the
 * same order.
 */
export const SHARED_LEVEL_BANK_BYTES = 1024 * 1024;

/**
 * A shared level's bytes travel on wires from its bank to the core: on average half the side of
 * the square the level's SRAM occupies (assumption; cores sit around the cache). The wire
 * energy per bit·mm is the tech file's.
 */
export const SHARED_LEVEL_WIRE_FRACTION_OF_SIDE = 0.5;

/** Horowitz's SRAM figure is for a 64-bit (8-byte) access. */
export const SRAM_REFERENCE_ACCESS_BYTES = 8;
/** … of an 8 KiB array. */
export const SRAM_REFERENCE_CAPACITY_BYTES = 8 * 1024;

/** Bits per byte (DRAM and wire energies are per bit). */
export const BITS_PER_BYTE = 8;

/**
 * Mantissa bits of the FP16 multiplier Horowitz's figure is for (IEEE binary16: 10 + hidden
 * bit). A float multiplier the table does not list is costed as the FP16 one × (its mantissa
 * bits / 11)²: an array multiplier's switched capacitance grows with the partial-product
 * count (the area model's multiplier; Weste & Harris, CMOS VLSI Design, ch. 11). Assumption.
 */
export const FP16_MANTISSA_BITS = 11;
