with

source as (

    {{ latest_version(source('raw', 'gebieden_in_nederland_2022')) }}

),

renamed as (

    select
        ----------  gemeente
        "Code_1" as gemeente_code,
        "Naam_2" as gemeente_name,

        ----------  groupings (CBS 85067NED code and name pairs)
        "Code_26" as province_code,
        "Naam_27" as province_name,
        "Code_24" as landsdeel_code,
        "Naam_25" as landsdeel_name,
        "Code_8" as corop_code,
        "Naam_9" as corop_name,
        "Code_4" as arbeidsmarktregio_code,
        "Naam_5" as arbeidsmarktregio_name,
        "Code_14" as ggd_region_code,
        "Naam_15" as ggd_region_name,
        "Code_16" as jeugdregio_code,
        "Naam_17" as jeugdregio_name,
        "Code_28" as police_unit_code,
        "Naam_29" as police_unit_name,
        "Code_44" as veilig_thuis_region_code,
        "Naam_45" as veilig_thuis_region_name,
        "Code_46" as veiligheidsregio_code,
        "Naam_47" as veiligheidsregio_name,
        "Code_48" as zorgkantoor_region_code,
        "Naam_49" as zorgkantoor_region_name,

        ----------  classes
        cast("Code_50" as integer) as gemeentegrootte_code,
        "Omschrijving_51" as gemeentegrootte,
        cast("Code_52" as integer) as stedelijkheid_code,
        "Omschrijving_53" as stedelijkheid,

        ----------  numerics
        "Inwonertal_54" as inhabitants_count,
        "Omgevingsadressendichtheid_55" as address_density_per_km2

    from source

)

select * from renamed
