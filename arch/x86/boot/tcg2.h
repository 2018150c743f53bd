/*
 * arch/x86/boot/tcg2.h - the UEFI TCG2 protocol, as far as the loader uses
 * it. Written from the TCG EFI Protocol Specification (Family "2.0",
 * Level 00 Revision 00.13, section 6: EFI_TCG2_PROTOCOL), since GNU-EFI
 * 3.0.15 does not define it. Calls use the MS ABI (EFIAPI) like every
 * other protocol of the loader; structures are naturally aligned except
 * the event header and event, which the specification packs.
 */
#ifndef ARCH_X86_BOOT_TCG2_H
#define ARCH_X86_BOOT_TCG2_H

#include <efi.h>

/* 607F766C-7455-42BE-930B-E4D76DB2720F (section 6.1). */
#define SHROUD_TCG2_PROTOCOL_GUID \
	{ 0x607f766c, 0x7455, 0x42be, \
	  { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }

typedef struct {
	UINT8 Major, Minor;
} TCG2_VERSION;

/* Section 6.4.4; its Size field tells which version the firmware fills. */
typedef struct {
	UINT8 Size;
	TCG2_VERSION StructureVersion;
	TCG2_VERSION ProtocolVersion;
	UINT32 HashAlgorithmBitmap;
	UINT32 SupportedEventLogs;
	BOOLEAN TPMPresentFlag;
	UINT16 MaxCommandSize;
	UINT16 MaxResponseSize;
	UINT32 ManufacturerID;
	UINT32 NumberOfPcrBanks;
	UINT32 ActivePcrBanks;
} TCG2_BOOT_SERVICE_CAPABILITY;

#pragma pack(push, 1)
/* Section 6.6.5. */
typedef struct {
	UINT32 HeaderSize;		/* sizeof this header: 14 */
	UINT16 HeaderVersion;		/* 1 */
	UINT32 PCRIndex;
	UINT32 EventType;
} TCG2_EVENT_HEADER;

typedef struct {
	UINT32 Size;			/* of the whole structure */
	TCG2_EVENT_HEADER Header;
	UINT8 Event[];			/* event data, logged, not hashed */
} TCG2_EVENT;
#pragma pack(pop)

#define TCG2_EVENT_HEADER_VERSION	1
/* TCG PC Client Platform Firmware Profile, section 10.4.1: an event whose
 * data is informative text, as GRUB and Linux's EFI stub log theirs. */
#define TCG2_EV_IPL			0x0000000du

struct tcg2_protocol;
typedef EFI_STATUS (EFIAPI *TCG2_GET_CAPABILITY)(struct tcg2_protocol *This,
		TCG2_BOOT_SERVICE_CAPABILITY *Cap);
typedef EFI_STATUS (EFIAPI *TCG2_GET_EVENT_LOG)(struct tcg2_protocol *This,
		UINT32 Format, EFI_PHYSICAL_ADDRESS *Location,
		EFI_PHYSICAL_ADDRESS *LastEntry, BOOLEAN *Truncated);
typedef EFI_STATUS (EFIAPI *TCG2_HASH_LOG_EXTEND_EVENT)(
		struct tcg2_protocol *This, UINT64 Flags,
		EFI_PHYSICAL_ADDRESS DataToHash, UINT64 DataToHashLen,
		TCG2_EVENT *Event);
typedef EFI_STATUS (EFIAPI *TCG2_SUBMIT_COMMAND)(struct tcg2_protocol *This,
		UINT32 InSize, UINT8 *In, UINT32 OutSize, UINT8 *Out);
typedef EFI_STATUS (EFIAPI *TCG2_GET_ACTIVE_PCR_BANKS)(
		struct tcg2_protocol *This, UINT32 *Banks);
typedef EFI_STATUS (EFIAPI *TCG2_SET_ACTIVE_PCR_BANKS)(
		struct tcg2_protocol *This, UINT32 Banks);
typedef EFI_STATUS (EFIAPI *TCG2_GET_RESULT_OF_SET_ACTIVE_PCR_BANKS)(
		struct tcg2_protocol *This, UINT32 *Status, UINT32 *Response);

/* Section 6.2: the member order is the ABI. */
typedef struct tcg2_protocol {
	TCG2_GET_CAPABILITY GetCapability;
	TCG2_GET_EVENT_LOG GetEventLog;
	TCG2_HASH_LOG_EXTEND_EVENT HashLogExtendEvent;
	TCG2_SUBMIT_COMMAND SubmitCommand;
	TCG2_GET_ACTIVE_PCR_BANKS GetActivePcrBanks;
	TCG2_SET_ACTIVE_PCR_BANKS SetActivePcrBanks;
	TCG2_GET_RESULT_OF_SET_ACTIVE_PCR_BANKS GetResultOfSetActivePcrBanks;
} TCG2_PROTOCOL;

#endif /* ARCH_X86_BOOT_TCG2_H */
