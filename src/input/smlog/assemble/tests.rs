use super::*;

#[test]
fn uuids_and_vdi_names() {
    assert_eq!(find_uuid(b"VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 locked").map(lossy).as_deref(), Some("8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12"));
    assert_eq!(find_uuid(b"no uuid here, 8341e744-0c1d"), None);
    assert_eq!(find_uuid(b"x"), None);
    assert_eq!(vdi_name(b"*8341e744[VHD](100.000G///60.004G|n)").as_deref(), Some("8341e744"));
    assert_eq!(vdi_name(b"8341e744(2.000G/1.512G)").as_deref(), Some("8341e744"));
    assert_eq!(vdi_name(b"0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88 is coalescable").as_deref(), Some("0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88"));
    assert_eq!(vdi_name(b"zz"), None);
}

#[test]
fn descriptions_map_back_to_codes() {
    assert_eq!(code_of_description("NFS mount error [opterr=mount failed with return code 32]"), Some(73));
    assert_eq!(code_of_description("There is insufficient space"), Some(44));
    assert_eq!(code_of_description("The VDI is not available [opterr=VDI x locked]"), Some(46));
    assert_eq!(code_of_description("something nobody wrote"), None);
}

#[test]
fn driver_tags() {
    assert!(is_driver_tag("Local VHD on LVM"));
    assert!(is_driver_tag("NFS VHD"));
    assert!(!is_driver_tag("vdi_snapshot"));
    assert!(!is_driver_tag("generic exception: vdi_snapshot"));
}
