with

source as (

    {{ latest_version(source('raw', 'kwb2019_leeftijd')) }}

),

renamed as (

    select
        unique_id as gemeente_code,
        region as gemeente_name,
        2019 as period_year,
        population as inhabitants_count,
        men as men_count,
        women as women_count,
        b_00_14 as age_00_14_count,
        b_15_24 as age_15_24_count,
        b_25_44 as age_25_44_count,
        b_45_64 as age_45_64_count,
        b_65_oo as age_65_plus_count,
        unmarried as unmarried_count,
        married as married_count,
        divorced as divorced_count,
        widowed as widowed_count

    from source

)

select * from renamed
