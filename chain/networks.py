"""The Bitcoin networks ChainSleuth reads: their blk-file magic, genesis block and BIP34 height."""

from dataclasses import dataclass

from chain.errors import RunSpecError

NULL_HASH = "0" * 64


@dataclass(frozen=True)
class Network:
    name: str  # also bitcoinlib's name for it
    magic: bytes
    genesis_hash: str
    bip34_height: int  # from this height on, the coinbase states its block's height


NETWORKS = {
    network.name: network
    for network in (
        Network(
            "bitcoin",
            bytes.fromhex("f9beb4d9"),
            "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
            227_931,
        ),
        Network(
            "testnet",
            bytes.fromhex("0b110907"),
            "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
            21_111,
        ),
        Network(
            "testnet4",
            bytes.fromhex("1c163f28"),
            "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
            1,
        ),
        Network(
            "signet",
            bytes.fromhex("0a03cf40"),
            "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
            1,
        ),
        Network(
            "regtest",
            bytes.fromhex("fabfb5da"),
            "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
            1,
        ),
    )
}


def network_named(name: str) -> Network:
    try:
        return NETWORKS[name]
    except KeyError:
        raise RunSpecError(f"unknown network {name!r}; known: {', '.join(NETWORKS)}") from None


def network_of_magic(magic: bytes) -> Network | None:
    return next((network for network in NETWORKS.values() if network.magic == magic), None)
