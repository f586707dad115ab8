//! zlib streams written bit by bit: stored, fixed and dynamic blocks with literals and copies,
//! and now and then a stream zlib must refuse though another inflater might read it (more
//! than 286 literal/length or 30 distance codes, an incomplete or oversubscribed code, a
//! repeat with nothing to repeat or past the end, no end-of-block code, a copy from before the
//! start, a reserved block type or symbol, a stored block whose lengths disagree, a bad zlib
//! header or checksum, bytes after the end), sometimes damaged again at random. Each stream
//! is one loose object (its header inside the stream, sometimes misspelt) and one pack entry;
//! venv-guard must read each exactly as `git cat-file` does, or refuse it as git does.

use std::collections::BinaryHeap;

use venv_guard::formats::odb::{Id, Kind};

use super::packs::{by_git, by_venv_guard, object_id, seal, sha1, write_idx, Answer, OnePack};
use super::{mutate, Rng, Run};

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which a dynamic block gives the lengths of the code-length code.
const ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Bits as deflate packs them: values least significant bit first, Huffman codes most
/// significant bit first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        let mask = if count == 32 {
            u32::MAX
        } else {
            (1 << count) - 1
        };
        self.acc |= u64::from(value & mask) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u8) {
        let reversed = (0..len).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
        self.put(reversed, u32::from(len));
    }

    fn align(&mut self) {
        if self.n > 0 {
            self.put(0, 8 - self.n);
        }
    }
}

/// The canonical codes of `lengths` (RFC 1951, 3.2.2), whether or not they make a complete
/// code (an oversubscribed one still gets codes, some of them shared).
fn canonical(lengths: &[u8]) -> Vec<u32> {
    let mut count = [0u32; 17];
    for &l in lengths {
        count[l as usize] += 1;
    }
    count[0] = 0;
    let mut next = [0u32; 17];
    let mut code = 0;
    for bits in 1..17 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            let c = next[l as usize];
            next[l as usize] += 1;
            c
        })
        .collect()
}

/// Lengths of a complete code for the symbols of `freq` that occur, none over `limit` bits:
/// Huffman's where it fits, else as even as the count allows. A single symbol gets one bit
/// (zlib's one allowed incomplete code).
fn lengths(freq: &[u32], limit: u8, rng: &mut Rng) -> Vec<u8> {
    let used: Vec<usize> = (0..freq.len()).filter(|&s| freq[s] > 0).collect();
    let mut lengths = vec![0u8; freq.len()];
    if used.len() == 1 {
        lengths[used[0]] = 1;
        return lengths;
    }
    if used.is_empty() {
        return lengths;
    }
    if rng.chance(70) {
        // Huffman's construction: merge the two rarest until one tree is left.
        let mut heap: BinaryHeap<std::cmp::Reverse<(u64, usize)>> = BinaryHeap::new();
        let mut parent: Vec<usize> = vec![usize::MAX; used.len()];
        for (i, &s) in used.iter().enumerate() {
            heap.push(std::cmp::Reverse((u64::from(freq[s]), i)));
        }
        while heap.len() > 1 {
            let std::cmp::Reverse((a, i)) = heap.pop().unwrap();
            let std::cmp::Reverse((b, j)) = heap.pop().unwrap();
            let node = parent.len();
            parent.push(usize::MAX);
            parent[i] = node;
            parent[j] = node;
            heap.push(std::cmp::Reverse((a + b, node)));
        }
        let depth = |mut i: usize| {
            let mut d = 0u8;
            while parent[i] != usize::MAX {
                i = parent[i];
                d += 1;
            }
            d
        };
        let found: Vec<u8> = (0..used.len()).map(depth).collect();
        if found.iter().all(|&d| d <= limit) {
            for (&s, d) in used.iter().zip(found) {
                lengths[s] = d;
            }
            return lengths;
        }
    }
    // As even as can be: 2^b - n symbols of b - 1 bits, the rest of b bits.
    let n = used.len();
    let b = usize::BITS - (n - 1).leading_zeros();
    let short = (1usize << b) - n;
    for (i, &s) in used.iter().enumerate() {
        lengths[s] = if i < short { b as u8 - 1 } else { b as u8 };
    }
    lengths
}

/// A literal, or a copy of `len` bytes from `dist` back.
#[derive(Clone, Copy)]
enum Token {
    Literal(u8),
    Copy { len: u16, dist: u16 },
}

/// Content and the tokens that make it: words, random bytes, and copies of what came before.
fn tokens(rng: &mut Rng, len: usize) -> (Vec<u8>, Vec<Token>) {
    let mut content = Vec::with_capacity(len);
    let mut tokens = Vec::new();
    while content.len() < len {
        if content.len() >= 3 && rng.chance(30) {
            let dist = 1 + rng.below(content.len().min(32768));
            let longest = if rng.chance(10) { 256 } else { 30 };
            let n = (3 + rng.below(longest)).min(258);
            for _ in 0..n {
                content.push(content[content.len() - dist]);
            }
            tokens.push(Token::Copy {
                len: n as u16,
                dist: dist as u16,
            });
        } else {
            let b = if rng.chance(70) {
                b"the quick brown fox\n"[rng.below(20)]
            } else {
                rng.next() as u8
            };
            content.push(b);
            tokens.push(Token::Literal(b));
        }
    }
    (content, tokens)
}

/// What makes a stream one zlib must refuse (or, for a few, one it must still read).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flaw {
    None,
    TooManyLiteralCodes,
    TooManyDistanceCodes,
    IncompleteLiterals,
    OversubscribedLiterals,
    IncompleteDistances,
    IncompleteLengthCode,
    RepeatFirst,
    RepeatPastEnd,
    NoEndOfBlock,
    TooFarBack,
    ReservedLiteral,
    ReservedDistance,
    ReservedBlockType,
    StoredLengths,
    Length258Long,
    NoFinalBlock,
    WindowTooLarge,
    NotDeflate,
    HeaderCheck,
    PresetDictionary,
    BadChecksum,
    NoChecksum,
    Trailing,
}

const FLAWS: [Flaw; 24] = [
    Flaw::None,
    Flaw::TooManyLiteralCodes,
    Flaw::TooManyDistanceCodes,
    Flaw::IncompleteLiterals,
    Flaw::OversubscribedLiterals,
    Flaw::IncompleteDistances,
    Flaw::IncompleteLengthCode,
    Flaw::RepeatFirst,
    Flaw::RepeatPastEnd,
    Flaw::NoEndOfBlock,
    Flaw::TooFarBack,
    Flaw::ReservedLiteral,
    Flaw::ReservedDistance,
    Flaw::ReservedBlockType,
    Flaw::StoredLengths,
    Flaw::Length258Long,
    Flaw::NoFinalBlock,
    Flaw::WindowTooLarge,
    Flaw::NotDeflate,
    Flaw::HeaderCheck,
    Flaw::PresetDictionary,
    Flaw::BadChecksum,
    Flaw::NoChecksum,
    Flaw::Trailing,
];

fn len_code(len: u16) -> (usize, u32) {
    let i = LEN_BASE.iter().rposition(|&b| b <= len).unwrap();
    (i, u32::from(len - LEN_BASE[i]))
}

fn dist_code(dist: u16) -> (usize, u32) {
    let i = DIST_BASE.iter().rposition(|&b| b <= dist).unwrap();
    (i, u32::from(dist - DIST_BASE[i]))
}

/// Writes `tokens` as symbols of the codes given by their lengths; a flaw may put in a symbol
/// that is reserved, or a long way to say 258.
fn symbols(bits: &mut Bits, tokens: &[Token], lit: &[u8], dist: &[u8], flaw: Flaw, rng: &mut Rng) {
    let (lcodes, dcodes) = (canonical(lit), canonical(dist));
    let lit_sym = |bits: &mut Bits, s: usize| bits.code(lcodes[s], lit[s].max(1));
    for (i, token) in tokens.iter().enumerate() {
        match *token {
            Token::Literal(b) => lit_sym(bits, b as usize),
            Token::Copy { len, dist: d } => {
                let (mut lc, mut lx) = len_code(len);
                if flaw == Flaw::Length258Long && len == 258 {
                    (lc, lx) = (27, 31);
                }
                lit_sym(bits, 257 + lc);
                bits.put(lx, u32::from(LEN_EXTRA[lc]));
                let (dc, dx) = dist_code(d);
                bits.code(dcodes[dc], dist[dc].max(1));
                bits.put(dx, u32::from(DIST_EXTRA[dc]));
            }
        }
        if i == tokens.len() / 2 && matches!(flaw, Flaw::ReservedLiteral | Flaw::ReservedDistance) {
            if flaw == Flaw::ReservedLiteral {
                lit_sym(bits, 286 + rng.below(2));
            } else {
                lit_sym(bits, 257);
                bits.code(dcodes[30 + rng.below(2)], dist[30].max(1));
            }
        }
    }
}

/// One block holding `tokens` (a stored one as many blocks as it needs), final or not.
fn block(bits: &mut Bits, tokens: &[Token], content: &[u8], last: bool, flaw: Flaw, rng: &mut Rng) {
    let kind = match flaw {
        Flaw::ReservedLiteral | Flaw::ReservedDistance => 1,
        Flaw::StoredLengths => 0,
        Flaw::ReservedBlockType => 3,
        Flaw::TooManyLiteralCodes
        | Flaw::TooManyDistanceCodes
        | Flaw::IncompleteLiterals
        | Flaw::OversubscribedLiterals
        | Flaw::IncompleteDistances
        | Flaw::IncompleteLengthCode
        | Flaw::RepeatFirst
        | Flaw::RepeatPastEnd
        | Flaw::NoEndOfBlock => 2,
        _ => rng.below(3),
    };
    if kind == 0 {
        let chunks: Vec<&[u8]> = if content.is_empty() {
            vec![content]
        } else {
            content.chunks(65535).collect()
        };
        for (i, chunk) in chunks.iter().enumerate() {
            bits.put(u32::from(last && i + 1 == chunks.len()), 1);
            bits.put(0, 2);
            bits.align();
            let n = chunk.len() as u32;
            let check = if flaw == Flaw::StoredLengths {
                1 << rng.below(16)
            } else {
                0
            };
            bits.put(n, 16);
            bits.put(!n ^ check, 16);
            bits.out.extend_from_slice(chunk);
        }
        return;
    }
    bits.put(u32::from(last), 1);
    bits.put(kind as u32, 2);
    match kind {
        1 => {
            let mut lit = vec![8u8; 288];
            lit[144..256].fill(9);
            lit[256..280].fill(7);
            symbols(bits, tokens, &lit, &[5; 32], flaw, rng);
            bits.code(canonical(&lit)[256], 7);
        }
        2 => dynamic(bits, tokens, flaw, rng),
        _ => bits.put(rng.next() as u32, 32),
    }
}

/// A dynamic block: its codes built for `tokens`, then flawed as `flaw` says.
fn dynamic(bits: &mut Bits, tokens: &[Token], flaw: Flaw, rng: &mut Rng) {
    let mut lfreq = vec![0u32; 286];
    let mut dfreq = vec![0u32; 30];
    lfreq[256] = 1;
    for token in tokens {
        match *token {
            Token::Literal(b) => lfreq[b as usize] += 1,
            Token::Copy { len, dist } => {
                lfreq[257 + len_code(len).0] += 1;
                dfreq[dist_code(dist).0] += 1;
            }
        }
    }
    if flaw == Flaw::IncompleteDistances && dfreq.iter().filter(|&&f| f > 0).count() < 2 {
        dfreq[0] += 1;
        dfreq[1] += 1;
    }
    let mut lit = lengths(&lfreq, 15, rng);
    let mut dist = lengths(&dfreq, 15, rng);
    let longest = |l: &[u8]| (0..l.len()).max_by_key(|&s| l[s]).unwrap();
    match flaw {
        Flaw::IncompleteLiterals => {
            let s = longest(&lit);
            if lit[s] < 15 {
                lit[s] += 1;
            }
        }
        Flaw::OversubscribedLiterals => {
            let s = longest(&lit);
            lit[s] = lit[s].saturating_sub(1).max(1);
        }
        Flaw::IncompleteDistances => {
            let s = longest(&dist);
            if dist[s] < 15 {
                dist[s] += 1;
            }
        }
        Flaw::NoEndOfBlock => lit[256] = 0,
        _ => {}
    }
    let hlit = match flaw {
        Flaw::TooManyLiteralCodes => 287 + rng.below(2),
        _ => (lit.iter().rposition(|&l| l > 0).unwrap_or(0) + 1).max(257) + rng.below(2),
    }
    .min(288);
    let hdist = match flaw {
        Flaw::TooManyDistanceCodes => 31 + rng.below(2),
        _ => (dist.iter().rposition(|&l| l > 0).unwrap_or(0) + 1 + rng.below(2)).min(30),
    };
    lit.resize(hlit, 0);
    dist.resize(hdist, 0);
    let all: Vec<u8> = lit.iter().chain(&dist).copied().collect();

    // The code lengths, run-length coded now and then.
    let mut runs: Vec<(usize, u32)> = Vec::new();
    if flaw == Flaw::RepeatFirst {
        runs.push((16, 0));
    }
    let mut i = 0;
    while i < all.len() {
        let same = all[i..].iter().take_while(|&&l| l == all[i]).count();
        if all[i] == 0 && same >= 11 && rng.chance(80) {
            let n = same.min(138);
            runs.push((18, (n - 11) as u32));
            i += n;
        } else if all[i] == 0 && same >= 3 && rng.chance(80) {
            let n = same.min(10);
            runs.push((17, (n - 3) as u32));
            i += n;
        } else if i > 0 && all[i - 1] == all[i] && same >= 3 && rng.chance(80) {
            let n = same.min(6);
            runs.push((16, (n - 3) as u32));
            i += n;
        } else {
            runs.push((all[i] as usize, 0));
            i += 1;
        }
    }
    if flaw == Flaw::RepeatPastEnd {
        runs.push((18, 127));
    }
    let mut cfreq = vec![0u32; 19];
    for &(s, _) in &runs {
        cfreq[s] += 1;
    }
    let mut clen = lengths(&cfreq, 7, rng);
    if flaw == Flaw::IncompleteLengthCode {
        let s = longest(&clen);
        if clen[s] < 7 {
            clen[s] += 1;
        }
    }
    let hclen =
        (ORDER.iter().rposition(|&s| clen[s] > 0).unwrap_or(0) + 1 + rng.below(2)).clamp(4, 19);
    bits.put((hlit - 257) as u32, 5);
    bits.put((hdist - 1) as u32, 5);
    bits.put((hclen - 4) as u32, 4);
    for &s in &ORDER[..hclen] {
        bits.put(u32::from(clen[s]), 3);
    }
    let ccodes = canonical(&clen);
    for &(s, extra) in &runs {
        bits.code(ccodes[s], clen[s].max(1));
        match s {
            16 => bits.put(extra, 2),
            17 => bits.put(extra, 3),
            18 => bits.put(extra, 7),
            _ => {}
        }
    }
    symbols(bits, tokens, &lit, &dist, flaw, rng);
    bits.code(canonical(&lit)[256], lit[256].max(1));
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A zlib stream of `content`, in one to three blocks, with `flaw`.
fn stream(rng: &mut Rng, content: &[u8], tokens: &[Token], flaw: Flaw) -> Vec<u8> {
    let (mut cmf, mut flg) = (0x78u8, 0u8);
    match flaw {
        Flaw::WindowTooLarge => cmf = 0x88,
        Flaw::NotDeflate => cmf = 0x79,
        Flaw::PresetDictionary => flg |= 0x20,
        _ => {}
    }
    flg |= (rng.below(4) as u8) << 6;
    flg += (31 - ((u16::from(cmf) << 8 | u16::from(flg)) % 31) as u8) % 31;
    if flaw == Flaw::HeaderCheck {
        flg ^= 1;
    }
    let mut bits = Bits::default();
    bits.put(u32::from(cmf), 8);
    bits.put(u32::from(flg), 8);
    if flaw == Flaw::PresetDictionary {
        bits.put(adler32(b""), 32);
    }
    // Split into blocks at token boundaries; the flaw goes into the last one.
    let pieces = 1 + rng.below(3);
    let mut starts: Vec<usize> = (0..pieces).map(|p| p * tokens.len() / pieces).collect();
    starts.push(tokens.len());
    let mut made = 0;
    for p in 0..pieces {
        let part = &tokens[starts[p]..starts[p + 1]];
        let size: usize = part
            .iter()
            .map(|t| match t {
                Token::Literal(_) => 1,
                Token::Copy { len, .. } => *len as usize,
            })
            .sum();
        let last = p + 1 == pieces;
        let f = if last { flaw } else { Flaw::None };
        // A stored block needs the bytes themselves; a copy from before its start is
        // written by a later block only.
        let mut part_tokens = part.to_vec();
        if f == Flaw::TooFarBack {
            part_tokens.insert(
                0,
                Token::Copy {
                    len: 3,
                    dist: (made + 1 + rng.below(4)).min(32768) as u16,
                },
            );
        }
        block(
            &mut bits,
            &part_tokens,
            &content[made..made + size],
            last && flaw != Flaw::NoFinalBlock,
            f,
            rng,
        );
        made += size;
    }
    bits.align();
    let mut out = bits.out;
    let sum = adler32(content) ^ u32::from(flaw == Flaw::BadChecksum) << rng.below(32);
    if flaw != Flaw::NoChecksum {
        out.extend_from_slice(&sum.to_be_bytes());
    }
    if flaw == Flaw::Trailing {
        let n = 1 + rng.below(4);
        out.extend(rng.bytes(n));
    }
    out
}

/// A loose object's header, now and then misspelt as git reads or refuses it. Never a blob's:
/// `git cat-file` streams a loose blob, reading on to the end of its stream whatever its header
/// says (and ignoring what follows the stream), where every other reader of git (`git fsck`,
/// commits and trees as git log reads them, blobs in packs) reads exactly the size the header
/// gives and refuses more, less, or bytes after the end; venv-guard's reader is that one.
fn loose_header(rng: &mut Rng, size: usize) -> Vec<u8> {
    let kind = *rng.pick(&["commit", "commit", "tree", "tag"]);
    let text = match rng.below(30) {
        0 => format!("{kind} 0{size}"),
        1 => format!("{kind} +{size}"),
        2 => format!("{kind} {size} "),
        3 => format!("{kind}  {size}"),
        4 => format!("Commit {size}"),
        5 => format!("{kind} {}", size + 1),
        6 => format!("{kind} {}", size.saturating_sub(1)),
        7 => format!("{kind} {size}x"),
        8 => format!("commits {size}"),
        9 => format!("{kind} {size}0000000000000000000000000"),
        10 => format!("{kind} -{size}"),
        11 => format!("{kind}{size}"),
        12 => format!("{kind} 18446744073709551616"),
        _ => format!("{kind} {size}"),
    };
    let mut header = text.into_bytes();
    header.push(0);
    header
}

/// Generated zlib streams, as loose objects and as pack entries: each reads the same for
/// venv-guard and for `git cat-file`, or both refuse it.
#[test]
fn zlib_streams_read_as_git_reads_them() {
    let mut run = Run::new("zlib");
    // A case costs two git processes and little else: more of them than other generators run.
    run.cases = crate::common::fuzz_cases(1000);
    let store = OnePack::new();
    let objects = store.scratch.objects();
    for case in 0..run.cases {
        let mut rng = run.rng(case);
        let flaw = if rng.chance(40) {
            Flaw::None
        } else {
            *rng.pick(&FLAWS)
        };
        // Never empty: git knows the empty tree (`tree 0`) without reading it.
        let len = if rng.chance(5) {
            70_000
        } else {
            1 + rng.below(3000)
        };
        let (content, tokens) = tokens(&mut rng, len);
        let damaged = rng.chance(15);

        // The loose object: its header inside the stream.
        let mut payload = loose_header(&mut rng, content.len());
        let header_len = payload.len();
        payload.extend_from_slice(&content);
        let mut loose_tokens: Vec<Token> = payload[..header_len]
            .iter()
            .map(|&b| Token::Literal(b))
            .collect();
        loose_tokens.extend_from_slice(&tokens);
        let mut loose = stream(&mut rng, &payload, &loose_tokens, flaw);
        if damaged {
            mutate(&mut rng, &mut loose);
        }
        let loose_id: Id = sha1(&payload);
        let hex = venv_guard::formats::odb::to_hex(&loose_id);
        let dir = objects.join(&hex[..2]);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(&hex[2..]), &loose).unwrap();

        // The pack entry: a blob of `content`, its size sometimes a lie.
        let mut entry = stream(&mut rng, &content, &tokens, flaw);
        if damaged {
            mutate(&mut rng, &mut entry);
        }
        let declared = match rng.below(20) {
            0 => content.len() + 1,
            1 => content.len().saturating_sub(1),
            _ => content.len(),
        };
        let mut pack = b"PACK\0\0\0\x02\0\0\0\x01".to_vec();
        pack.extend(crate::pack_bytes::object_header(3, declared as u64));
        pack.extend_from_slice(&entry);
        pack.extend_from_slice(&[0; 20]);
        seal(&mut pack);
        let mut crc = flate2::Crc::new();
        crc.update(&pack[12..pack.len() - 20]);
        let pack_id = object_id(Kind::Blob, &content);
        store.put(&pack, &write_idx(&pack, &[(pack_id, 12, crc.sum())]));

        let ids = [loose_id, pack_id];
        let ours = by_venv_guard(&objects, &ids, true);
        let theirs = by_git(&store.scratch.root, &ids);
        for ((where_, ours), theirs) in ["loose", "packed"].iter().zip(&ours).zip(&theirs) {
            if ours == theirs || (*where_ == "loose" && padded_alike(ours, theirs)) {
                run.agreed(ours.read.is_some());
            } else {
                run.disagree(
                    case,
                    format!(
                        "{where_} {flaw:?}{}, {} bytes: venv-guard {}, git {}",
                        if damaged { " damaged" } else { "" },
                        content.len(),
                        shown(ours),
                        shown(theirs)
                    ),
                );
            }
        }
        std::fs::remove_file(dir.join(&hex[2..])).unwrap();
    }
    run.finish();
}

/// A loose stream that ends short of its header's size reads as its bytes and then zeros
/// for venv-guard; git reads its bytes and then whatever its buffer held (`xmallocz` zeroes
/// only the byte past the end), so only the bytes before venv-guard's zeros are compared.
fn padded_alike(ours: &Answer, theirs: &Answer) -> bool {
    let (Some(a), Some(b)) = (&ours.read, &theirs.read) else {
        return false;
    };
    let kept = a.data.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    ours.header == theirs.header
        && a.kind == b.kind
        && a.data.len() == b.data.len()
        && a.data[..kept] == b.data[..kept]
}

fn shown(answer: &Answer) -> String {
    format!(
        "header {:?}, read {:?}",
        answer.header,
        answer.read.as_ref().map(|r| (r.kind, r.data.len()))
    )
}
