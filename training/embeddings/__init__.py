"""Embedding tools shared by illust2vec and manga-mmtl: hashes, Hamming search, morphing,
retrieval and clustering scores, tag mAP, and the pictures drawn from them."""
