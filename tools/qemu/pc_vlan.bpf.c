/* tools/qemu/pc_vlan.bpf.c — the PC's tap as an 802.1Q VLAN port (tc eBPF), for hosts whose kernel has no 8021q */
/*
 * tools/qemu/run.sh --pc-vlan ID attaches these two programs (clsact, direct
 * action) to the PC namespace's tap, which carries 192.168.1.2/24: the wire
 * (QEMU's side) is tagged, the PC's own stack sees only VLAN ID, untagged —
 * what `ip link add link pc0 name pc0.ID type vlan id ID` would give, on a
 * host kernel built without CONFIG_VLAN_8021Q (and without act_vlan or
 * bridge VLAN filtering, which would do the same).
 *
 *   ingress: a frame tagged with VLAN ID has its tag popped; any other frame
 *            (untagged, another VLAN) is dropped, as a VLAN device never sees it
 *   egress:  every frame the PC sends is tagged with VLAN ID
 *
 * The tap's packet sockets (tcpdump -e) see the wire: taps run before tc
 * ingress and after tc egress, so both directions show "vlan ID".
 * Compiled by run.sh: clang -O2 -target bpf -DPC_VLAN_ID=ID -c pc_vlan.bpf.c
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#ifndef PC_VLAN_ID
#error "PC_VLAN_ID (1..4094) must be defined"
#endif

#define SEC(name) __attribute__((section(name), used))
#define ETH_P_8021Q_BE __builtin_bswap16(0x8100)

static long (*skb_vlan_push)(struct __sk_buff *skb, __be16 proto, __u16 tci) = (void *)BPF_FUNC_skb_vlan_push;
static long (*skb_vlan_pop)(struct __sk_buff *skb) = (void *)BPF_FUNC_skb_vlan_pop;

SEC("ingress") int from_wire(struct __sk_buff *skb)
{
	/* The receive path has already moved a tag out of the frame (skb_vlan_untag). */
	if (!skb->vlan_present || (skb->vlan_tci & 0x0fff) != PC_VLAN_ID)
		return TC_ACT_SHOT;
	return skb_vlan_pop(skb) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("egress") int to_wire(struct __sk_buff *skb)
{
	return skb_vlan_push(skb, ETH_P_8021Q_BE, PC_VLAN_ID) ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
