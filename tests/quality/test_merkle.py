"""The Merkle tree against the RFC 6962 test vectors.

Vectors: google/certificate-transparency, python/ct/crypto/merkle_test.py (TreeHasherTest,
MerkleVerifierTest: "lifted from the C++ branch") and the Go repository's merkle tests
(inclusion paths for the same eight leaves). A tree tested only against itself would pass
without domain separation; these fix the bytes.
"""

from __future__ import annotations

import random

import pytest

from engine.quality import merkle

H = bytes.fromhex

LEAVES = [H(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = [  # MTH(D[n]) for n = 1..8
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def test_hashers():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root([]) == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert merkle.leaf_hash(H("101112131415161718191a1b1c1d1e1f")).hex() == "3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a"
    left = H("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    right = H("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
    assert merkle.node_hash(left, right).hex() == "1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57"


@pytest.mark.parametrize("size", range(1, 9))
def test_roots(size):
    assert merkle.root(HASHES[:size]).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_vectors(index, size, path):
    proof = merkle.inclusion_proof(HASHES[:size], index)
    assert [p.hex() for p in proof] == path
    assert merkle.verify_inclusion(index, size, HASHES[index], proof, H(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_vectors(old, new, path):
    proof = merkle.consistency_proof(HASHES[:new], old)
    assert [p.hex() for p in proof] == path
    assert merkle.verify_consistency(old, new, H(ROOTS[old - 1]), H(ROOTS[new - 1]), proof)


def test_consistency_refusals():
    """The CT verifier's refusals: a short proof, a flipped bit, equal sizes with other roots, a smaller new tree."""
    old, new = H(ROOTS[5]), H(ROOTS[7])
    proof = merkle.consistency_proof(HASHES, 6)
    assert not merkle.verify_consistency(6, 8, old, new, proof[:-1])
    flipped = [proof[0], bytes([proof[1][0] ^ 1]) + proof[1][1:], proof[2]]
    assert not merkle.verify_consistency(6, 8, old, new, flipped)
    assert not merkle.verify_consistency(3, 3, H(ROOTS[0]), H(ROOTS[1]), [])
    assert not merkle.verify_consistency(5, 2, H(ROOTS[4]), H(ROOTS[1]), proof)
    assert not merkle.verify_consistency(2, 5, H(ROOTS[1]), H(ROOTS[4]), [])
    assert merkle.verify_consistency(0, 1, merkle.EMPTY_ROOT, H(ROOTS[0]), [])


def test_every_proof_up_to_40_leaves():
    """Every inclusion and consistency proof of trees up to 40 leaves verifies; a wrong index, leaf or root does not."""
    rng = random.Random(6962)
    leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(40)]
    roots = [merkle.root(leaves[:n]) for n in range(41)]
    for n in range(1, 41):
        for m in range(n):
            proof = merkle.inclusion_proof(leaves[:n], m)
            assert merkle.verify_inclusion(m, n, leaves[m], proof, roots[n])
            if n > 1:
                assert not merkle.verify_inclusion((m + 1) % n, n, leaves[m], proof, roots[n])
                assert not merkle.verify_inclusion(m, n, leaves[(m + 1) % n], proof, roots[n])
        for m in range(n + 1):
            proof = merkle.consistency_proof(leaves[:n], m)
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            if 0 < m < n:
                assert not merkle.verify_consistency(m, n, roots[m - 1] if m > 1 else roots[n], roots[n], proof)
