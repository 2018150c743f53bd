/*
 * base/version.h - the hypervisor's own version (CPUID 0x40000001 EBX,
 * SHROUD_HC_VERSION RCX, the banner): major << 16 | minor << 8 | patch.
 */
#ifndef BASE_VERSION_H
#define BASE_VERSION_H

#define SHROUD_HV_VERSION	((0u << 16) | (1u << 8) | 0u)	/* 0.1.0 */
#define SHROUD_HV_VERSION_STR	"0.1.0"

#endif /* BASE_VERSION_H */
